"""Conversational cues of the heuristic analyser: requests, questions, promises, small talk,
thanks, acknowledgements, sentiment and topics (same languages and folding as `lexicon`)."""

from __future__ import annotations

import re

from webapp.llm.local.lexicon import COMPLAINT, OUTAGE, any_of

# fmt: off

# Explicit asks: these keep a sentence a request even when it also sounds like a promise
# ("vou precisar desmarcar a aula" is a change the team must make).
POLITE = any_of([
    r"\b(?:desmarcar|remarcar|reagendar|adiar|reschedule|postpone|push|move|verschieben|absagen|"
    r"annuler|decaler|reporter|spostare|annullare|rinviare|ganti jadwal|ne2aggel)\b"
    r"[^.!?]{0,40}\b(?:appointment|class|booking|meeting|visit|reservation|call|aula|consulta|"
    r"reuniao|visita|reserva|cita|clase|termin|rdv|rendez-vous|appuntamento|lezione|janji|"
    r"ma3ad|\d+ ?(?:am|pm|h|uhr)|friday|monday|tuesday|wednesday|thursday|tomorrow|today)\b",
    r"(?:الغي|الغاء|اغير|نغير|نأجل|اأجل|تأجيل)\s?(?:ال)?موعد",
    r"\bplease\b", r"\bpl[sz]\b", r"(?<!thank you )(?<!thanks )\bkindly\b",
    r"\b(?:can|could|would) you\b", r"\bpor favor\b", r"\bpode(?:ria)?m?\b(?! (?:ser|deixar)\b)",
    r"\bpuede[ns]?\b", r"\bpodria[ns]?\b", r"\bbitte\b",
    r"\bkonn(?:en|ten) sie\b", r"\bkannst du\b", r"\bs'il vous plait\b", r"\bsvp\b",
    r"\bper favore\b", r"\btolong\b", "कृपया", "لو سمحت", "من فضلك", r"^ممكن", r"\bmomken\b",
])

REQUEST = any_of([
    POLITE.pattern,
    r"\bplease\b", r"\bpl[sz]\b", r"(?<!thank you )(?<!thanks )\bkindly\b",
    r"\b(?:can|could|would|will) (?:you|u|someone|"
    r"somebody|anyone|we)\b", r"\bi (?:still |really |urgently )?need\b", r"\bwe need\b",
    r"(?<!n't )(?<!not )(?<!no )\bneed (?:to|a|an|the|my|one|it|this|that|help)\b",
    r"\bsend (?:me|us|the|over)\b",
    r"\blet me know\b", r"\bi(?:'d| would) like\b", r"\bi want\b", r"\bhelp (?:me|us)\b",
    r"\b(?:has|needs) to\b", r"\b(?:you|we) (?:have|need) to\b", r"\bmust\b", r"\bdo the needful\b",
    r"\bhow do i\b", r"\bis it possible\b", r"\bany update\b", r"\bcall (?:me|him|her|us|back)\b",
    r"\bget back to me\b", r"\bdon'?t forget\b",
    r"\bpor favor\b", r"\bpfv\b", r"\bfavor\b", r"\bpode(?:m|ria|riam)?\b(?! (?:ser|deixar)\b)",
    r"\bpreciso\b", r"\bprecisamos\b", r"\bprecisar\b", r"\benvi(?:a|e|em|ar)\b",
    r"\bmand(?:a|e|em)\b",
    r"\bme ajud(?:a|e|em)\b", r"\bgostaria\b", r"\bquero\b", r"\bqueria\b", r"\bconsegue\b",
    r"\btem como\b", r"\b(?:tem|temos|tenho) (?:que|de)\b",
    r"(?<!nem )\bme (?:liga|retorna|avisa|passa|fala|responde)\b", r"\bnao esquece\b",
    r"\bporfa\b", r"\bpuede[ns]?\b", r"\bpodria[ns]?\b", r"\bnecesit(?:o|amos)\b",
    r"\bayud(?:a|e|en)(?:me|nos)?\b", r"\bquisiera\b", r"\bquiero\b",
    r"\bme (?:mandan|envian|pasan|reenvian|confirman|llaman|avisan|dicen)\b",
    r"\b(?:tengo|tenemos|tiene|tienen|hay) que\b", r"\bno olvid(?:en|es|e)\b",
    r"\bbitte\b", r"\bkonn(?:en|ten|t) (?:sie|ihr|du)\b", r"\bkannst du\b", r"\bbrauche[n]?\b",
    r"\bschick(?:en|t)?\b", r"\bsenden sie\b", r"\bmochte\b", r"\bmuss(?:en)?\b",
    r"\bzuruckrufen\b", r"\bdenk(?:t)? dran\b",
    r"\bs'il (?:vous|te) plait\b", r"\bsvp\b", r"\bstp\b", r"\b(?:pouvez|pourriez)-vous\b",
    r"\bvous pouvez\b", r"\btu peux\b", r"\bje (?:voudrais|veux|dois)\b", r"\bj'aimerais\b",
    r"\bj'ai besoin\b", r"\bil faut\b", r"\b(?:r?envoyer|envoyez)\b", r"\bn'oubliez pas\b",
    r"\bper (?:favore|piacere)\b", r"\bpotete\b", r"\bpotresti\b", r"\bpuoi\b", r"\bvorrei\b",
    r"\bvoglio\b", r"\bmi serv(?:e|ono)\b", r"\bho bisogno\b", r"\b(?:mandat|inviat)(?:e|emi)\b",
    r"\bdevo\b", r"\bdobbiamo\b",
    r"\btolong\b", r"\bbisa (?:kirim|bantu|cek|minta|dibantu|tolong)\b", r"\bminta\b",
    r"\bmohon\b", r"\b(?:saya|aku) mau\b", r"\bharus\b", r"\bperlu\b", r"\bbutuh\b",
    r"\bjangan lupa\b",
    r"\bbhej(?:o|iye| do| dijiye| dena| de)\b", r"\bchahiye\b", r"\bkar (?:do|dijiye|dena|de)\b",
    r"\bkaro\b", r"\bkijiye\b", r"\bdekh (?:lo|lijiye|do)\b",
    r"\bbata(?:o|iye| do| dijiye)\b", r"\bmadad\b", r"\bcall kar (?:do|lo|dijiye)\b",
    r"\byaad (?:rahe|rakhna)\b",
    r"\b(?:kar|bhej|dekh|badal|le|de|mil|jaan|pooch|puch|bol|bata|bhar|lauta|ruk|check kar)n[ai] "
    r"hai\b",  # "cancel karna hai" (it needs doing), not "jaana hai" or "suhana hai"
    r"(?:भेज|कर|बता|दे|दिखा|बदल) (?:दो|दीजिए|दीजिये|दें)", "चाहिए", "कृपया", r"[^\s]+ना है",
    "बताइए", "बताओ",
    r"^ممكن", r"ممكن (?:ت|حد|احد)", "لو سمحت", "من فضلك", "رجاء", "يرجى",
    r"(?:^|\s)(?:ابي|ابغى|ابغي|عايز|عاوز|بدي|اريد|احتاج|محتاج)\s",
    r"(?:ارسلو|ارسلي|ارسل لي|ترسلون|ترسلو|ترسل لي|ابعتلي|ابعتو|ابعت لي)",
    r"(?:^|\s)لازم", "ساعدني", "ساعدوني", r"\b(?:كلموني|كلمني|اتصلوا|يكلمه|يكلمني)\b",
    "الله يخليكم", r"لا تنسو?ا?",
    r"\bmomken\b", r"\blaw sama7t\b", r"\b(?:3ayez|3awez|3ayza|biddi|bidde|abgha)\b",
    r"\b(?:ib3at|eb3at)\w*\b", r"\bkallemni\b",
])

COMMITMENT = any_of([
    r"\bi(?:'ll| will)\b", r"\bwe(?:'ll| will)\b", r"\blet me (?:check|see)\b",
    r"\bvou\b", r"\bvamos (?:enviar|verificar|resolver)\b", r"\bvoy a\b", r"\bvamos a\b",
    r"\bich werde\b", r"\bwir werden\b", r"\bich (?:schicke|sende|prufe)\b", r"\bje vais\b",
])

QUESTION_WORD = any_of([
    r"^(?:what|when|where|why|how|which|who|is|are|do|does|did|can|could|any)\b(?!')",
    r"^(?:quando|onde|como|qual|quanto|porque|por que|voce|tem|cade)\b",
    r"^(?:cuando|donde|cual|cuanto|como|tienen|hay)\b",
    r"^(?:wann|wo|wie|warum|welche[rs]?|gibt es|haben sie|habt ihr|ist)\b",
    r"^(?:ou|quand|comment|pourquoi|quel(?:le)?|est-ce que|combien)\b",
    r"^(?:dove|dov'e|quando|come|perche|quale|quanto|c'e)\b",
    r"^(?:apa|kapan|dimana|di mana|bagaimana|gimana|kenapa|berapa)\b",
    r"^(?:kya|kab|kaha|kahan|kaise|kyun|kitna|kitne)\b", r"^(?:क्या|कब|कहाँ|कैसे|क्यों|कितना)",
    r"^(?:هل|متى|وين|فين|كيف|ليش|ليه|كم|ايش|شو|ماذا|لماذا|اين|فيه)", r"^(?:emta|fein|wein|ezay)\b",
])
QUESTION_MARK = re.compile(r"[?¿؟]\W*$")

# Chit-chat that expects no action ("how are you?", "how was the weekend?").
SMALL_TALK = any_of([
    r"\bhow are (?:you|things|u)\b", r"\bhow'?s it going\b", r"\bhow was (?:the|your) "
    r"(?:weekend|day|trip|holiday|vacation)\b", r"\b(?:the|last night'?s) game\b", r"\blunch\b",
    r"\btudo (?:bem|bom|certo|joia)\b", r"\bcomo vai\b", r"\bcomo foi (?:o|a|seu|sua)\b",
    r"\bfds\b", r"\bo jogo\b", r"\balmoco\b",
    r"\bcomo (?:estas|esta usted|va|te fue|les fue|andan)\b", r"\bque tal\b", r"\bfinde\b",
    r"\bel partido\b", r"\balmuerzo\b", r"\bcomo amanec\w*\b", r"\bque onda\b",
    r"\b(?:the|el|o|das|le|il) (?:match|game|jogo|partido|spiel|partita)\b",
    r"\bwie geht'?s\b", r"\bwie geht es (?:dir|ihnen|euch)\b", r"\bwie war (?:euer|dein|ihr|das) "
    r"(?:wochenende|urlaub|tag)\b", r"\burlaub\b", r"\bwetter\b",
    r"\bca va\b", r"\bcomment (?:vas-tu|allez-vous)\b", r"\bcome (?:stai|va|state)\b",
    r"\bapa kabar\b", r"\bgimana kabarnya\b", r"\bkya (?:chal raha|haal)\b",
    r"\bkaise (?:ho|hain)\b",
    r"كيف (?:حالك|الحال|حالكم)", "شلونك", "ازيك", "كيفك", "عامل ايه",
    r"\b(?:parabens|feliz aniversario|happy birthday|feliz cumple\w*|alles gute zum geburtstag|"
    r"joyeux anniversaire|buon compleanno|selamat ulang tahun)\b",
    r"\bnem me fala\b", r"\bsend (?:my )?(?:love|regards|hugs)\b", r"\bmand[ae] (?:um )?(?:beijo|"
    r"abraco|bj|bjs)\b", r"\bsaludos? a\b", r"\bgrusse an\b", r"\bbisous a\b", r"\bsaluti a\b",
    r"\b(?:quer|quiere|wants?|anyone|alguem|jemand|qualcuno|ada yang)\s+(?:\w+\s+)?(?:cafe|coffee|"
    r"kaffee|chai|tea|cerveja|beer|kopi)\b", r"\bsnacks?\b",
    # season's greetings
    r"\b(?:happy|merry) (?:holidays|new year|christmas|diwali|holi|eid|easter|birthday)\b",
    r"\bfeliz(?:es)? (?:natal|navidad|ano novo|ano nuevo|pascoa|pascua|fiestas)\b",
    r"\bfrohe (?:weihnachten|ostern|feiertage)\b", r"\bjoyeux noel\b", r"\bbonne annee\b",
    r"\bbuon (?:natale|anno)\b", r"\bselamat (?:hari raya|idul fitri|natal|tahun baru)\b",
    r"\bmohon maaf lahir\b", r"\beid mubarak\b", "عيد مبارك", "كل عام وانتم بخير", "رمضان كريم",
    r"\b(?:ezayak|ezayek|kifak|kifek|shlonak)\b", r"\b3amel eh\b",
])

THANKS = any_of([
    r"\bthanks?\b", r"\bthank (?:you|u)\b", r"\bthx\b", r"\bty\b", r"\bcheers\b", r"\bappreciate\b",
    r"\bobrigad[oa]\b", r"\bbrigad\w*\b", r"\bobg\b", r"\bvaleu\b", r"\bagrade\w*\b",
    r"\bgracias\b", r"\bdanke\w*\b", r"\bvielen dank\b", r"\bmerci\b", r"\bgrazie\b",
    r"\b(?:terima kasih|makasih)\b", r"\b(?:dhanyavaa?d|dhanyawad|shukriya)\b", "धन्यवाद",
    "शुक्रिया", "شكرا", "مشكور", "يعطيكم العافيه", "يعطيك العافيه", "تسلم",
    r"\b(?:shokran|tislam)\b",
])

ACKNOWLEDGEMENT = any_of([
    r"^(?:ok|okay|k|great|perfect|cool|nice|got it|sounds good|sure|yes|no problem|noted|np)\b",
    r"^(?:beleza|perfeito|show|certo|combinado|tudo bem|blz|ta bom|recebido)\b",
    r"^(?:vale|perfecto|genial|de acuerdo|listo|entendido)\b",
    r"^(?:alles klar|perfekt|super|gut|passt|in ordnung)\b", r"^(?:d'accord|va bene|oke|siap)\b",
    r"^(?:theek hai|haan|ठीक है)", r"^(?:تمام|ماشي|طيب|tamam)",
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|bom dia|boa tarde|boa noite|ola|oi)\b",
    r"^(?:hola|buenos dias|buenas (?:tardes|noches)|hallo|guten (?:morgen|tag|abend))\b",
])

POSITIVE = any_of([
    THANKS.pattern, r"\bgreat\b", r"\bexcellent\b", r"\bawesome\b", r"\bamazing\b", r"\blove\b",
    r"\bhappy\b", r"\bperfect\b", r"\botimo\b", r"\bexcelente\b", r"\bmaravilh\w*\b",
    r"\badorei\b", r"\bfeliz\b", r"\bperfeito\b", r"\bgenial\b", r"\bencantad[oa]\b",
    r"\bperfecto\b", r"\btoll\b", r"\bwunderbar\b", r"\bzufrieden\b", r"\bprima\b", r"\bsuper\b",
    r"\bgentilissim[oi]\b", r"\bmantap\b", r"\bbadhiya\b",
    "[\U0001f600-\U0001f60f\U0001f64f\U0001f44d\u2764\U0001f389\U0001f64c]",
])

NEGATIVE = any_of([
    r"\bterrible\b", r"\bawful\b", r"\bworst\b", r"\bhorrible\b", r"\bbad\b", r"\bangry\b",
    r"\bfrustrat\w*\b", r"\bhate\b",
    r"(?<!no )(?<!sem )(?<!sin )(?<!kein )\bproblem(?:s|a|as|e|en)?\b",
    r"\bruim\b", r"\birritad[oa]\b", r"\bmal[oa]\b", r"\bmolest[oa]\b", r"\benfadad[oa]\b",
    r"\bschlecht\b", r"\bschrecklich\b", r"\bargerlich\b", r"\bpiada\b", r"\bdisappoint\w*\b",
    r"\bunacceptable\b", r"\bpessim[oa]\b", r"\bhorrivel\b", r"\bdecepcion\w*\b", r"\babsurdo\b",
    r"\binaceitavel\b", r"\binaceptable\b", r"\bharto\b", r"\bqueja\b", r"\benttausch\w*\b",
    r"\binakzeptabel\b", r"\bkatastroph\w*\b", r"\bbekaa?r\b", "سيئه", r"\bparah\b",
    "[\U0001f620\U0001f621\U0001f44e\U0001f61e\U0001f624\U0001f644]",
])

TOPICS: dict[str, re.Pattern[str]] = {
    "outage": any_of([OUTAGE.pattern, r"\berr(?:o|or|eur|ore)[rs]?\b", r"\bfehler\b",
    r"\bbugs?\b"]),
    "billing": any_of([
        r"\binvoices?\b", r"\bfaturas?\b", r"\bfacturas?\b", r"\brechnung\w*\b", r"\bpayments?\b",
        r"\bpagamentos?\b", r"\bpagos?\b", r"\bzahlung\w*\b", r"\bboletos?\b", r"\bpix\b",
        r"\brefund\b", r"\breembolso\b", r"\bcharged?\b", r"\bcobran\w*\b", r"\bcobro\b",
        r"\bquote\b", r"\borcamento\b", r"\bpresupuesto\b", r"\bangebot\b", r"\bprices?\b",
        r"\bprecos?\b", r"\bprecios?\b", r"\bpreis\w*\b", r"\bfactures?\b", r"\bfattur\w*\b",
        r"\bpembayaran\b", r"\bupi\b", "فاتوره", "الدفع",
    ]),
    "order": any_of([
        r"\borders?\b", r"\bpedidos?\b", r"\bordenes\b", r"\bbestellung\w*\b", r"\bcommandes?\b",
        r"\bordine\b", r"\bpesanan\b", "طلب", "ऑर्डर",
    ]),
    "delivery": any_of([
        r"\bdeliver\w*\b", r"\bentregas?\b", r"\benvios?\b", r"\blieferung\w*\b", r"\bshipp\w*\b",
        r"\btracking\b", r"\brastreio\b", r"\bfrete\b", r"\bversand\b", r"\bpa(?:ck|k)e\w*\b",
        r"\bpacotes?\b", r"\bpaquetes?\b", r"\bcolis\b", r"\bpacco\b", r"\bpaket\b", "توصيل",
    ]),
    "account access": any_of([
        r"\bpasswords?\b", r"\bsenhas?\b", r"\bcontrasenas?\b", r"\bpasswort\b", r"\blog ?in\b",
        r"\baccount\b", r"\bconta\b", r"\bcuenta\b", r"\bkonto\b", r"\bacess[oa]\b", r"\bzugang\b",
        r"\bcompte\b", r"\bakun\b", "حساب", "अकाउंट",
    ]),
    "scheduling": any_of([
        r"\bmeetings?\b", r"\breuni(?:ao|on)\b", r"\btermin\b", r"\bappointments?\b",
        r"\bagendar?\b", r"\bschedul\w*\b", r"\bhorarios?\b", r"\bvisita\b", r"\bcita\b",
        r"\brdv\b", "موعد",
    ]),
    "cancellation": any_of([
        r"\bcancel\w*\b", r"\bkundig\w*\b", r"\bstornier\w*\b", r"\bresilier\b", r"\bdisdire\b",
        r"\bdar de baja\b", r"\bberhenti langganan\b", "الغي", "कैंसल",
    ]),
    "complaint": COMPLAINT,
}
# fmt: on
