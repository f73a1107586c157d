package glossary
import "testing"
func TestProbe(t *testing.T){
 g:=loadGlossary(t)
 for _,s:=range []string{
 "Fondée en 2015, notre entreprise compte vingt collaborateurs et réalise un chiffre d'affaires de trois millions d'euros, principalement auprès de clients du secteur public.",
 "Nous souhaitons répondre à un appel du programme Europe numérique afin de déployer notre plateforme de partage d'informations sur les menaces auprès des CSIRT sectoriels.",
 "Les étapes suivantes consistent à mettre en œuvre un projet pilote avec un hôpital universitaire et à obtenir la certification.",
 "Notre produit est prêt à l'emploi et permet de repérer les comportements anormaux sur le réseau en temps réel.",
 "Nous voulons former nos techniciens et nous faire accompagner dans la mise en conformité avec la directive NIS2.",
 "Opgericht in 2015 telt ons bedrijf twintig medewerkers en realiseert het een omzet van drie miljoen euro, vooral bij klanten uit de publieke sector.",
 "Wij willen inschrijven op een oproep van het programma Digitaal Europa om ons platform voor het delen van dreigingsinformatie uit te rollen bij sectorale CSIRT's.",
 "De volgende stappen zijn het uitvoeren van een proefproject met een universitair ziekenhuis en het behalen van de certificering.",
 "Ons product is klaar voor gebruik en laat toe om afwijkend gedrag op het netwerk in real time te detecteren.",
 "Wij willen onze technici opleiden en begeleiding krijgen bij het naleven van de NIS2-richtlijn.",
 "Wij stellen onze expertise ter beschikking van tal van lokale besturen.",
 }{
  l:=g.Detect(s); en,terms:=g.Translate(s,"")
  t.Logf("\n%s | %s\n   -> %s\n   %v", l, s, en, terms)
 }
}
