package glossary

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestTranslate(t *testing.T) {
	g := loadGlossary(t)
	tests := []struct {
		name, text, lang string
		want             string
		terms            []Term // nil: not checked
	}{
		// Phrases, longest first.
		{"fr phrase", "appel à projets", "fr", "call for proposals",
			[]Term{{"appel à projets", "call for proposals"}}},
		{"fr phrase with elision", "détection d'intrusion", "fr", "intrusion detection",
			[]Term{{"détection d'intrusion", "intrusion detection"}}},
		{"fr longest phrase wins", "système de détection d'intrusion", "fr", "intrusion detection system", nil},
		{"fr other joiner", "sécurité du réseau", "fr", "network security", nil},
		{"fr phrase with et", "recherche et innovation", "fr", "research and innovation", nil},
		{"fr et breaks a phrase", "sécurité et réseaux", "fr", "security networks", nil},
		{"fr punctuation breaks a phrase", "sécurité. Réseaux", "fr", "security. networks", nil},
		{"fr comma kept", "hameçonnage, rançongiciel", "fr", "phishing, ransomware", nil},
		{"fr customer words", "Les pirates informatiques attaquent nos hôpitaux", "fr", "hacker attack hospitals",
			[]Term{{"pirates informatiques", "hacker"}, {"attaquent", "attack"}, {"hôpitaux", "hospitals"}}},
		{"fr pirates are hackers", "protéger les satellites contre les pirates", "fr", "protect satellites hacker", nil},
		{"fr verb endings", "ils vérifient, nous développons", "fr", "verify, develop", nil},
		{"fr PQC", "chiffrement post-quantique pour PME", "fr", "encryption post-quantum SME", nil},
		{"fr cryptographie post-quantique", "cryptographie post-quantique", "fr", "post-quantum cryptography", nil},
		{"fr mot de passe", "sans mot de passe", "fr", "passwordless", nil},
		{"fr industrie 4.0", "l'industrie 4.0", "fr", "Industry 4.0", nil},
		{"fr R&D", "projets de R&D", "fr", "projects R&D", nil},
		// Inflections: plurals, feminine, accents missing, elision, case.
		{"fr plural", "rançongiciels", "fr", "ransomware", []Term{{"rançongiciels", "ransomware"}}},
		{"fr plural phrase", "appels à projets", "fr", "calls for proposals", nil},
		{"fr feminine", "solutions sécurisées", "fr", "solution secure", nil},
		{"fr feminine phrase", "villes intelligentes", "fr", "smart cities", nil},
		{"fr plural adjective", "réseaux neuronaux", "fr", "neural network", nil},
		{"fr no accents", "securite des reseaux", "fr", "network security", nil},
		{"fr capitals", "SÉCURITÉ DES RÉSEAUX", "fr", "network security",
			[]Term{{"SÉCURITÉ DES RÉSEAUX", "network security"}}},
		{"fr elision l'", "l'authentification forte", "fr", "strong authentication",
			[]Term{{"authentification forte", "strong authentication"}}},
		{"fr curly apostrophe", "détection d’intrusion", "fr", "intrusion detection", nil},
		{"fr stem shared, spelling decides", "programmes innovants", "fr", "programme innovative", nil},
		{"fr exact form wins", "intelligence", "fr", "intelligence", nil},
		{"fr hyphen variants", "cyber-attaques et cyberattaque", "fr", "cyberattack cyberattack", nil},
		// Words that share a stem with an entry keep their own sense.
		{"fr accents decide", "chiffre, chiffré", "fr", "figure, encrypted", nil},
		{"fr équipe is not équipement", "notre équipe", "fr", "team", nil},
		{"fr suivantes is not suivi", "les étapes suivantes", "fr", "step following", nil},
		{"fr vent is not vente", "énergie du vent", "fr", "energy wind", nil},
		{"fr environ is a function word", "environ vingt", "fr", "vingt", nil},
		{"nl stellen is not stelen", "wij stellen voor", "nl", "stellen", nil},
		{"nl uitvoeren is not uitvoer", "uitvoeren", "nl", "carry out", nil},
		{"nl open is not openbaar", "open", "nl", "open", nil},
		{"nl English word sharing a stem kept", "green deal", "nl", "green deal", nil},
		{"nl overige is a function word", "overige kosten", "nl", "costs", nil},
		{"fr maintenant is not maintenance", "maintenant disponible", "fr", "disponible", nil},
		// Unknown words are kept as written; function words dropped.
		{"fr names kept", "Proximus et Orange Belgium", "fr", "Proximus Orange Belgium", nil},
		{"fr loanwords kept", "le cloud, le phishing et la blockchain", "fr", "cloud, phishing blockchain", nil},
		{"fr mixed with English", "détection de malware dans le cloud pour PME", "fr", "detection malware cloud SME", nil},
		{"fr unknown hyphenated", "Saint-Gilles", "fr", "Saint-Gilles", nil},
		{"fr hyphenated, one part known", "anti-hameçonnage", "fr", "anti phishing",
			[]Term{{"hameçonnage", "phishing"}}},
		// Dutch.
		{"nl words", "kwantumveilige versleuteling", "nl", "quantum-safe encryption",
			[]Term{{"kwantumveilige", "quantum-safe"}, {"versleuteling", "encryption"}}},
		{"nl phrase", "beveiliging van netwerken", "nl", "network security", nil},
		{"nl plural -en", "aanvallen op ziekenhuizen", "nl", "attacks hospitals", nil},
		{"nl plural -s", "subsidies", "nl", "grants", nil},
		{"nl plural 's", "kmo's", "nl", "SME", []Term{{"kmo's", "SME"}}},
		{"nl adjective -e", "veilige software", "nl", "secure software", nil},
		{"nl diminutive", "bedrijfje", "nl", "company", nil},
		{"nl diminutive plural", "bedrijfjes", "nl", "company", nil},
		{"nl f/v", "bedrijven", "nl", "companies", nil},
		{"nl phrase with en", "onderzoek en ontwikkeling", "nl", "research and development", nil},
		{"nl phrase with of", "internet of things", "nl", "Internet of Things", nil},
		// Dutch compounds.
		{"nl compound known whole", "inbraakdetectie", "nl", "intrusion detection", nil},
		{"nl compound head last", "aanvalsdetectie", "nl", "attack detection",
			[]Term{{"aanvalsdetectie", "attack detection"}}},
		{"nl compound linking s", "beveiligingsonderzoek", "nl", "security research", nil},
		{"nl compound inflected head", "ziekenhuisnetwerken", "nl", "hospital network", nil},
		{"nl compound three parts", "ziekenhuisnetwerkbeveiliging", "nl", "hospital network security", nil},
		{"nl compound hyphen", "post-kwantumcryptografie", "nl", "post-quantum cryptography", nil},
		{"nl compound hyphen unknown whole", "ICT-beveiligingsaudit", "nl", "ICT security audit", nil},
		{"nl compound two linking s", "gegevensbeschermingsbeleid", "nl", "data protection policy", nil},
		{"nl compound with an unknown part stays whole", "gegevensbeschermingsregels", "nl", "gegevensbeschermingsregels", nil},
		{"nl compound with backtracking", "energienetbeheerder", "nl", "energy grid operator", nil},
		{"nl compound of an English word not split", "database", "nl", "database", nil},
		{"nl unknown hyphenated parts", "cloud-gebaseerde beveiliging", "nl", "cloud gebaseerde security", nil},
		{"nl names kept", "Wij werken met Proximus", "nl", "werken Proximus", nil},
		{"nl verb -t", "Ons bedrijf bouwt en beveiligt windturbines", "nl", "company build secure wind turbine", nil},
		{"nl mixed with English", "pentest voor kmo's in de cloud", "nl", "penetration test SME cloud", nil},
		{"nl mixed with English phrases", "Wij doen threat intelligence en incident response voor ziekenhuizen", "nl",
			"threat intelligence incident response hospitals", nil},
		{"fr mixed with English phrases", "Nous faisons du red teaming et de la threat intelligence pour les banques", "fr",
			"faisons red teaming threat intelligence bank", nil},
		{"nl issue profile", "Wij bouwen software voor het opsporen van cyberaanvallen en post-kwantum cryptografie voor kmo's", "nl",
			"build software detect cyberattack post-quantum cryptography SME", nil},
		// Sector words of SMEs outside cybersecurity.
		{"nl feed and cows", "veevoeder voor koeien", "nl", "animal feed cows", nil},
		{"nl emissions of inland shipping", "minder uitstoot in de binnenvaart", "nl", "less emissions inland waterway transport", nil},
		{"nl autonomous ships", "zelfvarende schepen op afstand volgen", "nl", "autonomous ships remote monitor", nil},
		{"nl self-driving trucks", "zelfrijdende vrachtwagens", "nl", "self-driving trucks", nil},
		{"nl care at a distance", "zorg op afstand voor ouderen", "nl", "remote care older people", nil},
		{"nl herstelling is not herstel", "herstelling van fietsen", "nl", "repair bicycles", nil},
		{"nl compound feed company", "veevoederbedrijf", "nl", "animal feed company", nil},
		{"nl compound emissions measurement", "uitstootmeting", "nl", "emissions measurement", nil},
		{"nl compound three sector parts", "waterkwaliteitssensoren", "nl", "water quality sensors", nil},
		{"nl compound farming plural", "varkenshouderijen", "nl", "pig farming", nil},
		{"fr illegal content", "contenus illicites", "fr", "illegal content", nil},
		{"fr online phrase", "des services en ligne", "fr", "online service", nil},
		{"fr dairy farming", "élevage de vaches laitières", "fr", "livestock farming dairy cow", nil},
		{"fr autonomous ships", "navires autonomes", "fr", "autonomous ship", nil},
		{"fr remote monitoring", "surveillance à distance des vaches", "fr", "remote monitoring cow", nil},
		{"fr inland waterways", "transport fluvial de marchandises", "fr", "inland waterway transport goods", nil},
		{"fr sensors and emissions", "nous développons des capteurs pour mesurer les émissions", "fr", "develop sensors measure emissions", nil},
		{"fr propre is not clean", "notre propre logiciel", "fr", "propre software", nil},
		{"fr navigation is not navigateur", "navigation et navigateurs", "fr", "navigation browser", nil},
		// Language given or detected.
		{"detected fr", "hameçonnage", "", "phishing", nil},
		{"detected nl", "gijzelsoftware", "", "ransomware", nil},
		{"detected en unchanged", "malware analysis, please!", "", "malware analysis, please!", nil},
		{"en unchanged", "sécurité des réseaux", "en", "sécurité des réseaux", nil},
		{"French and Dutch alike carried over", "technologie", "", "technology", nil},
		{"unknown lang unchanged", "Netzwerksicherheit", "de", "Netzwerksicherheit", nil},
		{"empty", "", "fr", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, terms := g.Translate(tc.text, tc.lang)
			if got != tc.want {
				t.Errorf("Translate(%q, %q) = %q, want %q", tc.text, tc.lang, got, tc.want)
			}
			if tc.terms != nil {
				if diff := cmp.Diff(tc.terms, terms); diff != "" {
					t.Errorf("Translate(%q, %q) terms (-want +got):\n%s", tc.text, tc.lang, diff)
				}
			}
		})
	}
}

func TestCompoundLinkers(t *testing.T) {
	g, err := LoadFS(fstest.MapFS{
		"fr.tsv": {Data: []byte("livre\tbook\n")},
		"nl.tsv": {Data: []byte("boek\tbook\nkast\tcase\nziekte\tdisease\nkosten\tcosts\nbedrijf\tcompany\nleider\tleader\n" +
			"staat\tstate\nsecretaris\tsecretary\nnet\tgrid\nnetwerk\tnetwork\nwerk\twork\nbeheer\tmanagement\n")},
	})
	if err != nil {
		t.Fatalf("LoadFS() error = %v", err)
	}
	tests := []struct{ text, want string }{
		{"boekenkast", "book case"},          // -en-
		{"ziektekosten", "disease costs"},    // no linker, the e is the word's
		{"bedrijfsleider", "company leader"}, // -s-
		{"staatssecretaris", "state secretary"},
		{"netwerkbeheer", "network management"}, // longest first part: netwerk, not net + werk
		{"netbeheer", "grid management"},
		{"boekenkasten", "book case"}, // inflected head
		{"boek-kast", "book case"},    // hyphen
		{"boekje", "book"},            // diminutive
		{"kastboekx", "kastboekx"},    // an unknown part: kept whole
		{"boeken", "book"},            // known whole, not split
		{"netwerkbeheerder", "netwerkbeheerder"},
	}
	for _, tc := range tests {
		if got, _ := g.Translate(tc.text, "nl"); got != tc.want {
			t.Errorf("Translate(%q, nl) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestTranslateTerms checks that every term's Source is a piece of the input,
// in input order.
func TestTranslateTerms(t *testing.T) {
	g := loadGlossary(t)
	text := "Notre PME développe l'authentification forte et la détection d'intrusion pour les hôpitaux, avec des subventions européennes."
	_, terms := g.Translate(text, "fr")
	if len(terms) < 5 {
		t.Fatalf("Translate(%q) terms = %v, want at least 5", text, terms)
	}
	at := 0
	for _, term := range terms {
		i := strings.Index(text[at:], term.Source)
		if i < 0 {
			t.Fatalf("term %+v: Source is not in the input after byte %d", term, at)
		}
		at += i + len(term.Source)
		if term.English == "" {
			t.Errorf("term %+v: empty English", term)
		}
	}
}

func BenchmarkTranslate(b *testing.B) {
	g := loadGlossary(b)
	texts := map[string]string{
		"fr": "Notre PME belge développe depuis 2019 des logiciels de détection d'intrusion et d'analyse de logiciels malveillants pour les hôpitaux, les communes et les gestionnaires de réseau électrique. Nous cherchons une subvention européenne et des partenaires pour un projet pilote de cryptographie post-quantique : chiffrement des données de santé, authentification forte des patients et protection contre les rançongiciels et l'hameçonnage. Notre équipe de douze ingénieurs a déjà déployé un prototype dans deux hôpitaux bruxellois et souhaite passer à l'échelle en Wallonie et en Flandre avec un consortium de recherche.",
		"nl": "Onze Belgische kmo ontwikkelt sinds 2019 software voor inbraakdetectie en malwareanalyse voor ziekenhuizen, gemeenten en netbeheerders. Wij zoeken Europese subsidies en partners voor een proefproject rond post-kwantumcryptografie: versleuteling van gezondheidsgegevens, sterke authenticatie van patiënten en bescherming tegen gijzelsoftware en phishing. Ons team van twaalf ingenieurs heeft al een prototype uitgerold in twee Brusselse ziekenhuizen en wil opschalen in Vlaanderen en Wallonië met een onderzoeksconsortium van universiteiten, netwerkbeheerders en cyberbeveiligingsbedrijven die samen de weerbaarheid van kritieke infrastructuur versterken tegen cyberaanvallen.",
	}
	for _, lang := range []string{"fr", "nl"} {
		text := texts[lang]
		for _, given := range []string{lang, ""} {
			name := lang + "/given"
			if given == "" {
				name = lang + "/detected"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					g.Translate(text, given)
				}
			})
		}
	}
}
