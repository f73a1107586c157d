package glossary
import ("testing";"strings";"os";"sort";"fmt";"math/rand")
func TestProbeDict(t *testing.T){
 g:=loadGlossary(t)
 for _,c:=range []struct{lang,file string}{{"fr","/usr/share/dict/french"},{"nl","/usr/share/dict/dutch"}}{
  b,_:=os.ReadFile(c.file); l:=g.langs[c.lang]
  by:=map[string][]string{}; var comps []string
  for _,w:=range strings.Split(string(b),"\n"){
   if w==""||w!=strings.ToLower(w)||strings.ContainsAny(w," '") {continue}
   toks:=tokenize(w,nil); if len(toks)!=1 {continue}
   tk:=toks[0]
   if l.stop[tk.word] {continue}
   ws:=l.phraseWords(toks,nil); if len(ws)!=1 {continue}
   var buf []byte
   n,e:=l.longest(ws,&buf)
   if n==1 && e>=0 { if l.entries[e].form!=dehyphen(tk.word) { by[l.entries[e].source]=append(by[l.entries[e].source],w) }; continue }
   if en,ok:=l.word(tk.word, ws[0].key, g.splittable(tk.word)); ok { if c.lang=="nl" { comps=append(comps, w+"="+en) } else { by["VERB:"+en]=append(by["VERB:"+en],w)} }
  }
  type kv struct{k string; v []string}; var kvs []kv
  for k,v:=range by{kvs=append(kvs,kv{k,v})}
  sort.Slice(kvs,func(i,j int)bool{return len(kvs[i].v)>len(kvs[j].v)})
  var sb strings.Builder
  for _,x:=range kvs{ if len(x.v)<3 {continue}; s:=x.v; if len(s)>14 {s=s[:14]}; fmt.Fprintf(&sb,"%s %s(%d): %s\n",c.lang,x.k,len(x.v),strings.Join(s," ")) }
  os.WriteFile("/tmp/gl/dict_"+c.lang+".txt",[]byte(sb.String()),0644)
  rand.Shuffle(len(comps),func(i,j int){comps[i],comps[j]=comps[j],comps[i]})
  os.WriteFile("/tmp/gl/comp_"+c.lang+".txt",[]byte(fmt.Sprintf("%d\n%s",len(comps),strings.Join(comps,"\n"))),0644)
 }
}
