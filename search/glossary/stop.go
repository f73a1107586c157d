package glossary

// Function words, folded (no accents). joinerWords may sit inside a glossary
// phrase ("sécurité des réseaux", "beveiliging van netwerken"); the other
// stopWords end a phrase. Both are dropped from the English text.
var joinerWords = map[string][]string{
	"fr": {"de", "du", "des", "la", "le", "les", "a", "au", "aux", "en", "par", "pour", "sur",
		"dans", "un", "une", "contre"},
	"nl": {"de", "het", "van", "voor", "een", "in", "op", "tegen", "der", "des"},
}

var stopWords = map[string][]string{
	"fr": {"et", "ou", "mais", "donc", "ni", "que", "qui", "quoi", "dont", "ce", "cet", "cette", "ces",
		"ceci", "cela", "ca", "il", "ils", "elle", "elles", "on", "nous", "vous", "je", "tu", "te",
		"se", "lui", "leur", "leurs", "son", "sa", "ses", "mon", "ma", "mes", "ton", "ta", "tes",
		"notre", "nos", "votre", "vos", "est", "sont", "etre", "avoir", "ai", "avons", "avez",
		"ont", "etait", "etaient", "sera", "seront", "ete", "tres", "aussi", "avec", "sans", "chez",
		"entre", "vers", "depuis", "pendant", "selon", "sous", "ne", "pas", "y", "tout", "tous",
		"toute", "toutes", "autre", "autres", "meme", "memes", "comme", "si", "ainsi", "alors",
		"deja", "encore", "peut", "peuvent", "lequel", "laquelle", "lesquels", "lesquelles",
		"chaque", "quelques", "plusieurs", "ici", "afin", "lors", "nos", "sommes", "etes", "fait",
		"faire", "font", "tel", "telle", "tels", "telles", "leurs", "aupres", "parmi", "via", "environ", "propos", "maintenant"},
	"nl": {"en", "of", "maar", "dus", "die", "dat", "deze", "dit", "wie", "wat", "waar", "hoe",
		"welke", "welk", "wij", "we", "ik", "jij", "je", "u", "hij", "zij", "ze", "ons", "onze",
		"mijn", "jouw", "uw", "hun", "haar", "zijn", "is", "was", "waren", "wordt", "worden",
		"werd", "werden", "zal", "zullen", "kan", "kunnen", "moet", "moeten", "heeft", "hebben",
		"om", "te", "naar", "bij", "uit", "aan", "door", "over", "tot", "als", "dan", "ook",
		"niet", "geen", "nog", "er", "zo", "zeer", "meer", "veel", "andere", "ander", "elke",
		"alle", "hier", "daar", "toe", "tussen", "zonder", "onder", "boven", "na", "sinds",
		"tijdens", "per", "wel", "echter", "zoals", "alsook", "enkel", "alleen", "heel", "met",
		"binnen", "buiten", "via", "hebt", "heb", "ben", "bent", "wil", "willen", "kunt", "doen",
		"doet", "rond", "rondom", "tal", "ter", "overig", "overige", "middels", "waarbij", "waarin", "waarmee", "daarbij", "daarom", "omdat", "terwijl"},
}

var englishStopWords = []string{"a", "an", "the", "and", "or", "of", "to", "in", "on", "for",
	"with", "by", "from", "at", "as", "is", "are", "was", "were", "be", "been", "being", "has",
	"have", "had", "do", "does", "did", "this", "that", "these", "those", "it", "its", "we", "our",
	"us", "you", "your", "they", "their", "them", "he", "she", "his", "her", "i", "my", "me",
	"not", "no", "but", "if", "than", "then", "so", "such", "can", "could", "will", "would",
	"should", "may", "might", "must", "shall", "into", "about", "over", "under", "between",
	"through", "during", "before", "after", "which", "who", "whom", "what", "when", "where",
	"how", "why", "all", "any", "both", "each", "more", "most", "other", "some", "only", "also",
	"very", "against", "up", "out", "there", "here", "while", "without", "within", "across",
	"our", "help", "helps", "need", "needs", "want", "looking", "get", "make", "makes"}

var englishStop = func() map[string]bool {
	m := make(map[string]bool, len(englishStopWords))
	for _, w := range englishStopWords {
		m[w] = true
	}
	return m
}()

// neutralWords are English words that French and Dutch texts use as they
// are: they vote for no language in Detect.
var neutralWords = []string{"cloud", "data", "big", "software", "hardware", "security", "cyber",
	"cybersecurity", "cybersec", "malware", "phishing", "ransomware", "spyware", "blockchain",
	"internet", "online", "app", "apps", "startup", "start-up", "startups", "start-ups",
	"scale-up", "scaleup", "pentest", "pentests", "pentesting", "ai", "iot", "ict", "api", "apis",
	"saas", "paas", "iaas", "devops", "devsecops", "firewall", "firewalls", "router", "email",
	"e-mail", "web", "website", "smartphone", "smart", "business", "management", "marketing",
	"design", "hacker", "hackers", "hacking", "open", "source", "edge", "soc", "siem", "ot",
	"scada", "ics", "vpn", "cert", "csirt", "nis2", "nis", "gdpr", "rgpd", "avg", "cra", "eu",
	"ue", "horizon", "europe", "zero", "trust", "deeptech", "fintech", "healthtech", "medtech",
	"high-tech", "hightech", "tech", "framework", "team", "teams", "manager", "know-how",
	"sme", "smes", "ceo", "cto", "ciso", "b2b", "b2c", "it", "5g", "6g", "4g", "lte", "wifi",
	"wi-fi", "bluetooth", "gps", "lidar", "radar", "dashboard", "chatbot", "chatbots", "bot",
	"bots", "big-data", "cloud-native", "container", "containers", "kubernetes", "docker",
	"linux", "windows", "android", "ios", "microsoft", "google", "amazon", "aws", "azure",
	"green", "deal",
}
