package glossary

import "testing"

func TestDetect(t *testing.T) {
	g := loadGlossary(t)
	tests := map[string][]string{
		"en": {
			"malware analysis",
			"cloud security",
			"cyber range",
			"ransomware",
			"phishing",
			"intrusion detection",
			"security operations centre",
			"post-quantum cryptography",
			"protecting satellites from hackers",
			"securing hospital networks",
			"digital identity wallet",
			"border guards check passports",
			"quantum key distribution",
			"AI for medical imaging",
			"smart grid resilience",
			"data spaces",
			"innovation",
			"transport",
			"big data analytics",
			"machine learning for fraud detection",
			"supply chain security for SMEs",
			"penetration testing",
			"pain management for patients",
			"a living lab for cities",
			"installer of heat pumps",
			"livestock farming and animal feed",
			"inland waterway transport",
			"zero trust architecture",
			"software bill of materials",
			"threat intelligence sharing platform",
			"secure boot",
			"open source firmware",
			"5G network slicing",
			"digital twin of the port",
			"satellite communications",
			"cybersecurity skills training",
			"incident response for small companies",
			"certification under the Cyber Resilience Act",
			"We build software that detects cyberattacks and post-quantum cryptography for SMEs.",
			"Our start-up develops AI tools that help hospitals protect patient data against ransomware.",
			"We are a Belgian SME offering managed security services, penetration tests and awareness training to municipalities.",
			"Border guards' phones check a traveller's passport data without the physical document.",
			"The company designs chips for secure IoT devices and needs funding for a pilot with a grid operator.",
			"We want to test our drone detection system in a real port before selling it to the navy.",
			"Looking for partners in a consortium on quantum-safe encryption for satellites.",
			"A platform that lets farmers share data with food companies while keeping control of it.",
			"intrusion",
		},
		"fr": {
			"détection d'intrusion",
			"élevage de vaches laitières",
			"contenus illicites",
			"sécurité cloud",
			"sécurité des réseaux",
			"rançongiciel",
			"hameçonnage",
			"pirates informatiques",
			"chiffrement post-quantique",
			"cryptographie post-quantique",
			"intelligence artificielle",
			"appel à projets",
			"subvention PME",
			"protection des données",
			"cybersécurité pour PME",
			"analyse de logiciels malveillants",
			"informatique quantique",
			"hôpitaux",
			"réseau électrique intelligent",
			"sécurité des hôpitaux",
			"identité numérique",
			"centre opérationnel de sécurité",
			"gestion des risques",
			"test d'intrusion",
			"jeune pousse",
			"données de santé",
			"villes intelligentes",
			"l'authentification forte",
			"sécurite des reseaux",
			"securite cloud",
			"formation en cybersécurité",
			"mise en conformité NIS2",
			"protéger les satellites contre les pirates",
			"Nous développons des logiciels de détection des cyberattaques pour les PME.",
			"Notre jeune entreprise aide les hôpitaux à protéger les données des patients contre les rançongiciels.",
			"Nous cherchons des partenaires pour un consortium sur le chiffrement résistant aux attaques quantiques.",
			"PME belge active dans la sécurité des systèmes industriels, nous proposons des audits et des tests d'intrusion.",
			"Une plateforme qui permet aux agriculteurs de partager leurs données avec l'industrie agroalimentaire.",
			"Nous voulons tester notre système de détection de drones dans un port avant de le vendre à la marine.",
			"Les garde-frontières vérifient les données du passeport sans le document physique.",
			"Notre société conçoit des puces pour des objets connectés sécurisés.",
			"Nous formons les employés des communes à la cybersécurité et à l'hygiène numérique.",
			"solutions innovantes",
			"entreprises",
		},
		"nl": {
			"kwantumveilige versleuteling",
			"pentest voor kmo",
			"inbraakdetectie",
			"veevoeder",
			"zelfvarende binnenvaartschepen",
			"post-kwantumcryptografie",
			"netwerkbeveiliging",
			"gijzelsoftware",
			"phishing bij kmo's",
			"cyberaanvallen opsporen",
			"beveiliging van ziekenhuizen",
			"digitale identiteit",
			"kunstmatige intelligentie",
			"artificiële intelligentie",
			"subsidie voor innovatie",
			"projectoproep",
			"gegevensbescherming",
			"cloudbeveiliging",
			"slimme meters",
			"ziekenhuisnetwerken",
			"kwantumcomputer",
			"beveiligingsonderzoek",
			"opleiding cyberbeveiliging",
			"risicobeheer",
			"kmo",
			"bedrijfjes",
			"datalekken",
			"toegangscontrole",
			"weerbaarheid van het elektriciteitsnet",
			"veilige software",
			"machine learning voor fraudedetectie",
			"software voor gemeenten",
			"satellieten beschermen tegen hackers",
			"Wij bouwen software voor het opsporen van cyberaanvallen en post-kwantum cryptografie voor kmo's.",
			"Onze start-up helpt ziekenhuizen om patiëntgegevens te beschermen tegen gijzelsoftware.",
			"Wij zoeken partners voor een consortium rond kwantumveilige versleuteling voor satellieten.",
			"Belgische kmo actief in de beveiliging van industriële systemen; wij doen audits en penetratietesten.",
			"Een platform waarmee boeren hun gegevens delen met de voedingsindustrie.",
			"We willen ons dronedetectiesysteem testen in een haven voordat we het aan de marine verkopen.",
			"Grenswachters controleren paspoortgegevens zonder het fysieke document.",
			"Ons bedrijf ontwerpt chips voor veilige verbonden apparaten.",
			"Wij leiden medewerkers van gemeenten op in cyberhygiëne.",
			"innovatieve oplossingen",
			"bedrijven",
			"detectie",
			"preventie",
			"universitair",
			"veiligheid",
		},
	}
	for want, texts := range tests {
		for _, text := range texts {
			if got := g.Detect(text); got != want {
				t.Errorf("Detect(%q) = %q, want %q", text, got, want)
			}
		}
	}
}

func TestDetectEmpty(t *testing.T) {
	g := loadGlossary(t)
	for _, text := range []string{"", "   ", "!!!", "2026", "NIS2", "cloud data software"} {
		if got := g.Detect(text); got != "en" {
			t.Errorf("Detect(%q) = %q, want %q", text, got, "en")
		}
	}
}

// TestDetectEntries detects the language of every entry of the glossaries
// that is not written as in English: single words that French and Dutch
// write alike ("technologie", "industrie") are ties, so a few percent miss.
func TestDetectEntries(t *testing.T) {
	g := loadGlossary(t)
	for _, lang := range languages {
		var n, miss int
		var misses []string
		for _, e := range g.langs[lang].entries {
			if e.loan {
				continue
			}
			n++
			if got := g.Detect(e.source); got != lang {
				miss++
				if len(misses) < 20 {
					misses = append(misses, e.source+" -> "+got)
				}
			}
		}
		if rate := float64(n-miss) / float64(n); rate < 0.95 {
			t.Errorf("Detect on the %d %s entries: %.3f right, want at least 0.95; misses: %v", n, lang, rate, misses)
		}
	}
}
