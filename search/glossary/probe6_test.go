package glossary
import "testing"
func TestProbeDetectEntries(t *testing.T){
 g:=loadGlossary(t)
 for _,code:=range languages{ bad:=0; n:=0
  for _,e:=range g.langs[code].entries{ if e.loan {continue}; n++
   if got:=g.Detect(e.source); got!=code { bad++; if bad<60 {t.Logf("%s %q -> %s (%s)",code,e.source,got,e.english)} } }
  t.Logf("%s: %d/%d misdetected",code,bad,n)}
}
