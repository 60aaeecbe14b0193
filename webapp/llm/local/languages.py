"""Which language a message is written in (ISO 639-1), from its script and its common words.

Arabic and Devanagari script decide on their own; Latin-script text is scored by stop words of
each language (Hinglish counts as `hi`, Arabizi, Arabic written in Latin letters with digits
for the missing sounds, as `ar`) plus letters that only some languages use.
"""

from __future__ import annotations

import re
import unicodedata

from webapp.llm.local.lexicon import fold

_WORD = re.compile(r"[a-z0-9]+")
# Arabizi: 2/3/5/7/8/9 stand for hamza, ain, kha, ha, ghain, qaf inside Latin-letter words
# ("wa2e3", "3aref"); "2pm" or "3rd" are not Arabizi.
_ARABIZI = re.compile(r"[a-z][235789][a-z]|^[235789][a-z]{2}")
_ITALIAN_E = re.compile(r"(?:^|\s|')è(?=\s|$)")  # "è" (is) as a word: Italian
_NOT_ARABIZI = re.compile(r"^\d+(?:st|nd|rd|th|pm|am|h|k|x)$")

# fmt: off
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and is are you to of it we can please this that for with have not be my your will "
        "our on in at what when thanks hi hello i me was there they been from but all do just "
        "been got any how who why has had an up dont cant im its new need want sorry thx pls "
        "u ur yet still since today tomorrow yesterday guys everyone anyone team would could "
        "should where which there their about after before again".split()
    ),
    "pt": frozenset(
        "o os as de do da dos das que nao e para com um uma por favor voce voces meu minha esta "
        "obrigado obrigada ola oi amanha hoje pode preciso nos mas isso tem ainda no na ja eu "
        "ele ela seu sua vou estou bom boa dia tudo bem cade onde quando vc vcs q pra pro ta "
        "tao nada ninguem aqui ai agora entao gente tb tbm pfv pf obg blz muito sem foi vai "
        "ontem qual pq porque mesmo consigo veio chegou pedido fatura valeu pago certo aguardo "
        "recebido feliz equipe somos seus suas quer saber mais em ao mes segue vez hj dias "
        "obrigadao brigadao isso essa esse tambem depois antes nosso nossa".split()
    ),
    "es": frozenset(
        "el la los las de del que no es para con un una por favor usted mi esta gracias hola "
        "manana hoy puede necesito pero eso tiene todavia y muy lo se ya yo su estoy hay buenos "
        "buenas donde cuando ustedes me le nos porfa pues vale aqui ahora nadie nada tengo "
        "quiero sale llega llego pedido factura cuanto como otra vez sin ayer mis sus perfecto "
        "entendido quedo atento servicio vuelvo comprar nunca bien listo claro tambien pedi "
        "semana dias esto este nuestro gracias".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ich sie wir bitte danke mit fur ein eine auf heute morgen "
        "konnen kann noch es zu den dem hallo ihr mein haben wird bei von sind war auch meine "
        "meinen wann wie wo was kommt guten euch euer uns schon wieder geht mal hab habe "
        "keine kein nur jetzt seit gestern leider bestellung rechnung dir du aber herzlichen "
        "dank vielmals gerne gern bis uhr moin servus schonen vielen passt alles klar".split()
    ),
    "fr": frozenset(
        "le la les de des du et est pas je vous nous pour avec un une sur merci bonjour "
        "demain aujourd hui peut il elle mais ce que qui ma mon mes votre vos au aux svp "
        "c j qu n ca tres bien rien toujours depuis dans plus suis ai avez commande bcp bon "
        "bonne ci joint accord oui alors tout cette aussi encore deja chez fait vais recu "
        "colis journee".split()
    ),
    "it": frozenset(
        "il lo gli di che non per con una sono mi ti ci del della grazie buongiorno ciao ho "
        "hai ha abbiamo questo anche ma piu tutto tutti domani oggi ieri perche ancora ecco "
        "va bene potete vorrei mille nel da dal al alla ordine fattura riesco ecco mio mia "
        "doveva arrivare qui siamo avete fatto cosa allora prego stato stata gia ricevuta "
        "pacco aspetto".split()
    ),
    "id": frozenset(
        "saya kak ya udah sudah belum tidak gak ga nggak bisa dari yang dan ini itu aja banget "
        "dong sih nya kok terima kasih makasih mau ada untuk pagi semua besok hari tolong apa "
        "lagi sama kami kamu aku pesanan barang dua kali orang".split()
    ),
    "hi": frozenset(
        "hai hain nahi nahin kya ka ki ke ko mein hu hoon ho raha rahi rahe kar karo karna "
        "bhai yaar ji aap mera meri mere tha thi bhi aur abhi kal aaj kuch koi sab theek "
        "accha acha haan bahut kaha kab kyun bhej bhejo diya gaya hua sahi karein chahiye "
        "baar wala wali dena hum tum apna apni gaye hoga phir teesri hafte din sabko pichle "
        "mahine mahina toh na ek".split()
    ),
    "ar": frozenset(
        "ana enta enti mesh msh mafeesh mafish ya w momken ezayak ezay shokran tamam habibi "
        "yalla inshallah wallah keda leh eh fe fi men ma3 el3 kalemny kifak shlonak".split()
    ),
}
# Letters that single out a language when stop words tie.
LANGUAGE_LETTERS: dict[str, str] = {
    "pt": "ãõç", "es": "ñ¿¡", "de": "äöüß", "fr": "èêçœ", "it": "òìù",
}
# fmt: on


def _script_share(text: str) -> tuple[int, int, int]:
    """Count Arabic, Devanagari and Latin letters."""
    arabic = devanagari = latin = 0
    for ch in text:
        if not ch.isalpha() and unicodedata.category(ch) not in ("Mn", "Mc"):
            continue
        code = ord(ch)
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
            arabic += 1
        elif 0x0900 <= code <= 0x097F:
            devanagari += 1
        elif ch.isascii() or 0x00C0 <= code <= 0x024F:
            latin += 1
    return arabic, devanagari, latin


def guess_language(text: str) -> str:
    """Guess the ISO 639-1 language of `text` from its script, stop words and telltale letters."""
    arabic, devanagari, latin = _script_share(text)
    if arabic or devanagari:
        if arabic >= latin or devanagari >= latin:
            return "ar" if arabic >= devanagari else "hi"
    words = _WORD.findall(fold(text))
    lowered = text.lower()
    scores = {
        lang: sum(w in stop for w in words)
        + 2 * sum(ch in lowered for ch in LANGUAGE_LETTERS.get(lang, ""))
        for lang, stop in STOPWORDS.items()
    }
    scores["it"] += 3 * len(_ITALIAN_E.findall(lowered))
    scores["ar"] += 2 * sum(bool(_ARABIZI.search(w)) and not _NOT_ARABIZI.match(w) for w in words)
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    return best if scores[best] > 0 else "en"
