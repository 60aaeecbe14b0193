"""Cue words of the built-in heuristic analyser (en, pt, es, de; some fr).

Patterns match *folded* text: lower-cased with accents removed ("amanhã" -> "amanha",
"caído" -> "caido", "übermorgen" -> "ubermorgen"), see `fold`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """Lower-case `text` and strip accents so one pattern covers "amanhã" and "amanha"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# The tables below are data: kept dense on purpose (one language per line where possible).
# fmt: off

OUTAGE = _any([
    r"\boutages?\b", r"\b(?:is|are|was|were|went|been|still|goes|go|gone|all)\s+down\b(?! to\b)",
    r"\bdown\s+(?:again|since|for)\b", r"\b(?:site|server|system|app|api|website)\s+down\b",
    r"\bnot working\b", r"\bcrash(?:ed|es|ing)?\b", r"\boffline\b",
    r"\b(?:can ?not|can'?t|cannot|unable to)\s+(?:log ?in|access|connect|pay|checkout)\b",
    r"\bparad[oa]s?\b", r"\bfora do ar\b", r"\bcaiu\b", r"\bnao (?:esta )?funciona(?:ndo)?\b",
    r"\btravad[oa]\b", r"\bcaid[oa]s?\b", r"\bno funciona\b", r"\bse cayo\b",
    r"\bsin servicio\b", r"\bausgefallen\b", r"\bausfall\b", r"\bfunktioniert (?:\w+ )?nicht\b",
    r"\bgeht nicht\b", r"\bkaputt\b", r"\bstillstand\b", r"\ben panne\b", r"\bne marche pas\b",
])

URGENT = _any([
    OUTAGE.pattern,
    r"\burgent(?:ly)?\b", r"\basap\b", r"\bemergency\b", r"\bimmediately\b", r"\bright now\b",
    r"\bcritical\b", r"\burgente\b", r"\burgencia\b", r"\bemergencia\b", r"\bimediatamente\b",
    r"\bagora mesmo\b", r"\bsocorro\b", r"\binmediatamente\b", r"\bahora mismo\b",
    r"\bdringend\b", r"\bsofort\b", r"\bnotfall\b",
])

NOT_URGENT = _any([
    r"\bnot (?:urgent|a rush)\b", r"\bno rush\b", r"\bno hurry\b", r"\bwhenever you can\b",
    r"\bnao (?:e )?urgente\b", r"\bsem pressa\b", r"\bno es urgente\b", r"\bsin prisa\b",
    r"\bnicht dringend\b", r"\bkeine eile\b",
])

COMPLAINT = _any([
    r"\brefund\b", r"\bchargeback\b", r"\bcomplain(?:t)?\b", r"\bunacceptable\b",
    r"\bdisappointed\b", r"\bfurious\b", r"\bstill waiting\b", r"\bnever (?:arrived|came)\b",
    r"\boverdue\b", r"\bcharged twice\b", r"\bdouble charged\b", r"\blawyer\b", r"\bwrong charge\b",
    r"\bcancel(?:led|ling)? (?:my|the|our) (?:order|subscription|contract|account)\b",
    r"\breembolso\b", r"\bestorno\b", r"\breclamac\w*\b", r"\binaceitavel\b", r"\babsurdo\b",
    r"\bdecepcionad[oa]\b", r"\bainda nao (?:chegou|recebi)\b", r"\bnunca chegou\b",
    r"\bcobrad[oa] duas vezes\b", r"\bcobranca indevida\b", r"\bprocon\b", r"\bvencid[oa]\b",
    r"\bquejas?\b", r"\breclamo\b", r"\binaceptable\b", r"\bdecepcionad[oa]\b",
    r"\btodavia no (?:llega|ha llegado|recibo)\b", r"\bnunca llego\b", r"\bharto\b",
    r"\bpesimo\b", r"\bdevolucion\b", r"\bcobro doble\b",
    r"\bbeschwerde\b", r"\binakzeptabel\b", r"\benttauscht\b", r"\bnie angekommen\b",
    r"\buberfallig\b", r"\bmahnung\b", r"\banwalt\b", r"\b(?:ruck)?erstattung\b",
])

REQUEST = _any([
    r"\bplease\b", r"\bpls\b", r"\b(?:can|could|would|will) you\b", r"\bi need\b",
    r"\bwe need\b", r"\bsend (?:me|us|the)\b", r"\blet me know\b", r"\bi(?:'d| would) like\b",
    r"\bi want\b", r"\bhelp (?:me|us)\b",
    r"\bpor favor\b", r"\bpode(?:ria)?m?\b", r"\bpreciso\b", r"\bprecisamos\b", r"\benvi[ae]\b",
    r"\bmand[ae]\b", r"\bme ajud[ae]\b", r"\bgostaria\b", r"\bquero\b", r"\bconsegue\b",
    r"\bpuede[ns]?\b", r"\bpodria[ns]?\b", r"\bnecesito\b", r"\bnecesitamos\b",
    r"\bayud(?:a|e)me\b", r"\bquisiera\b", r"\bquiero\b",
    r"\bbitte\b", r"\bkonn(?:en|ten) sie\b", r"\bkannst du\b", r"\bbrauche[n]?\b",
    r"\bschick(?:en)?\b", r"\bsenden sie\b", r"\bmochte\b",
    r"\bs'il vous plait\b", r"\bpouvez-vous\b",
])

# Explicit asks: these keep a sentence a request even when it also sounds like a promise.
POLITE = _any([
    r"\bplease\b", r"\bpls\b", r"\b(?:can|could|would) you\b", r"\bpor favor\b",
    r"\bpode(?:ria)?m?\b", r"\bpuede[ns]?\b", r"\bpodria[ns]?\b", r"\bbitte\b",
    r"\bkonn(?:en|ten) sie\b", r"\bkannst du\b", r"\bs'il vous plait\b",
])

COMMITMENT = _any([
    r"\bi(?:'ll| will)\b", r"\bwe(?:'ll| will)\b", r"\blet me (?:check|see)\b",
    r"\bvou\b", r"\bvamos (?:enviar|verificar|resolver)\b", r"\bvoy a\b", r"\bvamos a\b",
    r"\bich werde\b", r"\bwir werden\b", r"\bich (?:schicke|sende|prufe)\b",
])

QUESTION_WORD = _any([
    r"^(?:what|when|where|why|how|which|who|is|are|do|does|did|can|could)\b",
    r"^(?:quando|onde|como|qual|quanto|porque|por que|voce|tem)\b",
    r"^(?:cuando|donde|cual|cuanto|como|tienen|hay)\b",
    r"^(?:wann|wo|wie|warum|welche[rs]?|gibt es|haben sie)\b",
])

# Polite questions that expect no action ("how are you?").
SMALL_TALK = _any([
    r"\bhow are (?:you|things)\b", r"\bhow'?s it going\b", r"\btudo (?:bem|bom|certo)\b",
    r"\bcomo vai\b", r"\bcomo (?:estas|esta usted|va)\b", r"\bque tal\b", r"\bwie geht'?s\b",
    r"\bwie geht es (?:dir|ihnen)\b", r"\bca va\b",
])

THANKS = _any([
    r"\bthanks?\b", r"\bthank you\b", r"\bthx\b", r"\bcheers\b", r"\bobrigad[oa]\b",
    r"\bvaleu\b", r"\bgracias\b", r"\bdanke\b", r"\bvielen dank\b", r"\bmerci\b",
])

ACKNOWLEDGEMENT = _any([
    r"^(?:ok|okay|k|great|perfect|cool|nice|got it|sounds good|sure|yes|no problem)\b",
    r"^(?:beleza|perfeito|show|certo|combinado|tudo bem|blz)\b",
    r"^(?:vale|perfecto|genial|de acuerdo|listo)\b",
    r"^(?:alles klar|perfekt|super|gut|passt|in ordnung)\b",
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|bom dia|boa tarde|boa noite|ola|oi)\b",
    r"^(?:hola|buenos dias|buenas (?:tardes|noches)|hallo|guten (?:morgen|tag|abend))\b",
])

POSITIVE = _any([
    r"\bthanks?\b", r"\bthank you\b", r"\bgreat\b", r"\bexcellent\b", r"\bawesome\b",
    r"\bamazing\b", r"\blove\b", r"\bhappy\b", r"\bperfect\b", r"\bappreciate\b",
    r"\bobrigad[oa]\b", r"\botimo\b", r"\bexcelente\b", r"\bmaravilh\w*\b", r"\badorei\b",
    r"\bfeliz\b", r"\bperfeito\b", r"\bgracias\b", r"\bgenial\b", r"\bencantad[oa]\b",
    r"\bperfecto\b", r"\bdanke\b", r"\btoll\b", r"\bwunderbar\b", r"\bzufrieden\b", r"\bprima\b",
    "[\U0001F600-\U0001F60F\U0001F64F\U0001F44D\u2764\U0001F389]",
])

NEGATIVE = _any([
    r"\bterrible\b", r"\bawful\b", r"\bworst\b", r"\bhorrible\b", r"\bbad\b", r"\bangry\b",
    r"\bfrustrat\w*\b", r"\bdisappoint\w*\b", r"\bunacceptable\b",
    r"(?<!no )(?<!sem )(?<!sin )(?<!kein )\bproblem(?:s|a|as|e|en)?\b",
    r"\bbroken\b", r"\bcomplain\w*\b", r"\bpessim[oa]\b", r"\bhorrivel\b", r"\bruim\b",
    r"\bdecepcion\w*\b", r"\babsurdo\b", r"\birritad[oa]\b",
    r"\binaceitavel\b", r"\bpesim[oa]\b", r"\bmal[oa]\b", r"\bmolest[oa]\b",
    r"\benfadad[oa]\b", r"\binaceptable\b", r"\bharto\b", r"\bqueja\b", r"\bschlecht\b",
    r"\bschrecklich\b", r"\bargerlich\b", r"\benttausch\w*\b", r"\binakzeptabel\b",
    r"\bkatastroph\w*\b",
    "[\U0001F620\U0001F621\U0001F44E\U0001F61E\U0001F624]",
])

INJECTION = _any([
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|system)?\s*(?:instructions|prompts?|rules)\b",
    r"\bmark (?:everything|all|every message|all messages|this|these)\b.{0,20}"
    r"\b(?:urgent|important|high)\b",
    r"\byou are now\b", r"\bsystem prompt\b", r"\bnew instructions\b",
    r"\bignor[ae] (?:as|todas as|las|todas las) instruc\w*\b",
    r"\bignoriere (?:alle )?(?:vorherigen )?anweisungen\b",
])

TOPICS: dict[str, re.Pattern[str]] = {
    "outage": _any([OUTAGE.pattern, r"\berro[rs]?\b", r"\bfehler\b", r"\bbugs?\b"]),
    "billing": _any([
        r"\binvoices?\b", r"\bfaturas?\b", r"\bfacturas?\b", r"\brechnung\w*\b", r"\bpayments?\b",
        r"\bpagamentos?\b", r"\bpagos?\b", r"\bzahlung\w*\b", r"\bboletos?\b", r"\bpix\b",
        r"\brefund\b", r"\breembolso\b", r"\bcharged?\b", r"\bcobran\w*\b", r"\bcobro\b",
        r"\bquote\b", r"\borcamento\b", r"\bpresupuesto\b", r"\bangebot\b", r"\bprices?\b",
        r"\bprecos?\b", r"\bprecios?\b", r"\bpreis\w*\b",
    ]),
    "order": _any([r"\borders?\b", r"\bpedidos?\b", r"\bordenes\b", r"\bbestellung\w*\b"]),
    "delivery": _any([
        r"\bdeliver\w*\b", r"\bentregas?\b", r"\benvios?\b", r"\blieferung\w*\b", r"\bshipp\w*\b",
        r"\btracking\b", r"\brastreio\b", r"\bfrete\b", r"\bversand\b", r"\bpa(?:ck|k)e\w*\b",
        r"\bpacotes?\b", r"\bpaquetes?\b",
    ]),
    "account access": _any([
        r"\bpasswords?\b", r"\bsenhas?\b", r"\bcontrasenas?\b", r"\bpasswort\b", r"\blog ?in\b",
        r"\baccount\b", r"\bconta\b", r"\bcuenta\b", r"\bkonto\b", r"\bacess[oa]\b", r"\bzugang\b",
    ]),
    "scheduling": _any([
        r"\bmeetings?\b", r"\breuni(?:ao|on)\b", r"\btermin\b", r"\bappointments?\b",
        r"\bagendar?\b", r"\bschedul\w*\b", r"\bhorarios?\b", r"\bvisita\b",
    ]),
    "cancellation": _any([r"\bcancel\w*\b", r"\bkundig\w*\b", r"\bstornier\w*\b"]),
    "complaint": COMPLAINT,
}

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and is are you to of it we can please this that for with have not be my your will "
        "our on in at what when thanks hi hello i me was there they been from but all do".split()
    ),
    "pt": frozenset(
        "o os as de do da dos das que nao e para com um uma por favor voce voces meu minha esta "
        "obrigado obrigada ola oi amanha hoje pode preciso nos mas isso tem ainda no na ja eu "
        "ele ela seu sua vou estou bom boa dia tudo bem meu cade onde quando".split()
    ),
    "es": frozenset(
        "el la los las de del que no es para con un una por favor usted mi esta gracias hola "
        "manana hoy puede necesito pero eso tiene todavia y muy lo se ya yo su estoy hay buenos "
        "buenas donde cuando".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ich sie wir bitte danke mit fur ein eine auf heute morgen "
        "konnen kann noch es zu den dem hallo ihr mein haben wird bei von sind war auch meine "
        "meinen wann wie wo was kommt guten".split()
    ),
    "fr": frozenset(
        "le la les de des du et est pas je vous nous pour avec un une sur merci bonjour "
        "demain aujourd'hui peut il elle mais ce que qui".split()
    ),
}
# Letters that single out a language when stop words tie.
LANGUAGE_LETTERS: dict[str, str] = {"pt": "ãõç", "es": "ñ¿¡", "de": "äöüß", "fr": "èêàç"}
# fmt: on
