package glossary
import ("testing";"strings";"fmt")
func TestShort(t *testing.T){
 g:=loadGlossary(t)
 for _,c:=range languages{ l:=g.langs[c]; var out []string
  for k,e:=range l.keys{ if !strings.Contains(k," ") && len(k)<=4 { out=append(out, fmt.Sprintf("%s=%s(%s)",k,l.entries[e].source,l.entries[e].english))}}
  t.Log(c, strings.Join(out,"  "))
 }
}
