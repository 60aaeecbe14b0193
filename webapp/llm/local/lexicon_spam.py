"""Spam, promotions, scams and instructions aimed at the analyser.

Each `SPAM_CUES` pattern is one piece of evidence (a prize, a discount, "work from home", "verify
your details", a chain letter...); a link is one more. One cue alone is common in real customer
messages ("is the sale still on?"); two or more make a message spam, which is never important,
however URGENT it says it is.
"""

from __future__ import annotations

import re

from webapp.llm.local.lexicon import any_of, fold

# fmt: off
SPAM_CUES: tuple[re.Pattern[str], ...] = tuple(any_of([p]) for p in [
    # prizes
    r"\b(?:you(?:'ve| have)? won|you are (?:the |a )?winner|congratulations)\b",
    r"\b(?:ganhou|sorteado|premiad[oa]|ganado|ganaste|gewonnen|gagne|vinto|memenangkan|jeeta)\b",
    r"\b(?:premio|prize|gift ?card|hadiah|inaam|gewinn)\b", "جائزه", "ربحت",
    r"\b(?:felicidades|felicitations|complimenti|badhai ho|selamat!? anda|parabens)\b", "مبروك",
    r"\b(?:foi|fue|was|wurde|a ete|e stato|have been|has been) (?:selecionad|seleccionad|selected|"
    r"ausgewahlt|selectionne|selezionat|chosen|escolhid)\w*\b",
    r"\b(?:acesse|accede|acceda|visite|visit|abra|open|entre no|entra en)\b[^.!?]{0,15}"
    r"\b(?:link|enlace|site|sitio|website)\b",
    # promotions
    r"\b\d{1,2} ?% ?(?:off|de desconto|desconto|descuento|de descuento|rabatt|sconto|diskon)\b",
    r"(?:^|\s)-\d{1,2} ?%", r"\bpromo(?:cao|cion|tion|s)?\b",
    r"\b(?:oferta|offer|rebajas|soldes|offerta|diskon|liquidacao|liquidacion)\b", "خصم", "خصومات",
    "تخفيضات", r"(?:اطلب|تسوق|اشتر)\w* الان",
    r"\bsale(?: sale|!| now| today| ends| up to)",  # not Spanish "sale" (goes out)
    r"\b(?:limited time|only today|today only|so hoje|solo hoy|nur heute|solo oggi|sirf aaj)\b",
    r"\b(?:aujourd'hui seulement|hari ini (?:aja|saja))\b", "اليوم فقط", "عرض خاص",
    r"\b(?:shop now|buy now|compre ja|jetzt (?:shoppen|kaufen)|jaldi karo)\b",
    r"\b(?:ultim[ao]s|last) (?:vagas|dias|chance|days|unidades)\b",
    # easy money, investments
    r"\b(?:work(?:ing)? from home|trabalh\w* de casa|desde casa|von zu hause|ghar baithe)\b",
    "من البيت", "اربح", r"\b(?:ganhe|gane|earn|make|verdienen sie|kamaye|kamao)\b[^.!?]{0,12}"
    r"(?:[$€]|\d{4,}|\d+ ?(?:k|mil|lakh)\b|dinheiro|money|dinero|geld|paisa)",
    r"\b(?:renda extra|extra income|ingresos extra)\b",
    r"\b(?:no experience|sem experiencia|sin experiencia)\b",
    "بدون خبره", r"\b(?:guarante\w*|garantid[oa]s?|garantiert)\b",
    r"\b(?:crypto|cripto|bitcoin|forex|investimento|inversion|investment|investasi)\b",
    r"\b\d+ ?% (?:ao mes|al mes|per month|a month|daily|por dia)\b",
    r"\b(?:join (?:now|our|the group)|unete|join karein|grupo vip)\b",
    # job offers nobody asked for
    r"\b(?:estamos contratando|we'?re hiring|contratamos|wir stellen ein|on recrute|cerchiamo|"
    r"lowongan|naukri)\b", "وظيفه", "وظائف", "براتب",
    r"\b(?:reply|responda|responde|antworten sie mit|repondez|rispondi|balas|answer)\s+"
    r"(?:with\s+)?(?:yes|sim|si|ja|oui|ya|win|stop)\b", "ارسل كلمه",
    r"\b(?:salary|salario|gehalt|salaire|stipendio|gaji|tankhwah)\b", "من المنزل",
    r"\b(?:free trial|prueba gratis|teste gratis|kostenlos testen|essai gratuit|prova gratis|"
    r"gratis coba|free trial)\b", r"\b(?:more|mais|mas|mehr) leads\b",
    r"\b(?:automation|automatiza\w*|automatisierung|automatici|otomatis|bulk messag\w*|"
    r"disparos em massa|mensajes masivos|en masse|broadcast)\b",
    r"\b(?:vender mas|vender mais|increase your sales|sales badhao|mehr umsatz|boostez vos ventes|"
    r"aumenta le vendite|tingkatkan penjualan)\b", "زد مبيعاتك",
    # marketing services
    r"\b(?:followers?|seguidores)\b", r"\bseo\b", r"\bfirst page (?:on|of) google\b",
    r"\b(?:boost your|aumentamos (?:seus|suas))\b", r"\b(?:agencia|agency)\b",
    r"\b(?:cheap|barat[oa]s?|precios bajos|sasta|murah|ra5ee?s\w*)\b",
    r"\b(?:dm now|dm karo|chama no pv|escribeme|schreiben sie mir|kalemny)\b",
    r"\b(?:quer saber mais|want to know more|quiere saber mas)\b", r"\bmarketing\b",
    r"\b(?:more|mais|mas|mehr|plus de|piu) (?:clientes|customers|clients|kunden|clienti|vendas|"
    r"ventas|sales)\b",
    r"\b(?:planes|planos|plans|pacotes|paquetes|packages|pakete)\b[^.!?]{0,10}"
    r"\b(?:desde|a partir de|from|starting|ab)\b",
    # phishing
    r"\b(?:verif(?:y|ique|ica)|confirme|confirm|bestatigen sie|atualize|actualice|update)\b"
    r"[^.!?]{0,25}\b(?:details|data|dados|datos|daten|identity|kyc|informations?|address|direccion|"
    r"endereco|adresse|indirizzo|alamat)\b",
    r"\bkyc\b", r"\b(?:account|conta|cuenta|konto|compte|akun|khata)\b[^.!?]{0,30}"
    r"\b(?:suspended|suspensa|suspendida|blocked|bloqueada|gesperrt|suspendu|diblokir|band)\b",
    "حسابك", "بياناتك", "खाता बंद",
    r"\b(?:pague|pay|payez|zahlen sie|bayar)\b[^.!?]{0,25}\b(?:taxa|fee|frais|gebuhr|zollgebuhr)",
    r"\b(?:pacote|package|parcel|paket|colis|paquete)\b[^.!?]{0,25}\b(?:retido|held|"
    r"zuruckgehalten|en attente|retenido|ditahan)\b",
    # calls to click or claim
    r"\b(?:click|clique|clic|haz clic|klick\w*|cliquez|clicca|klik)\b", "اضغط",
    r"\b(?:resgate (?:seu|sua|ja)|reclama tu|claim (?:your|now|it|here)|abholen|riscatta)\b",
    # chain letters and classic scams
    r"\b(?:mande|envie|repasse|reenvia|forward|send|teruskan)\b[^.!?]{0,25}\b(?:msg|mensagem|"
    r"mensaje|message|pesan)\b[^.!?]{0,15}\d+", r"\b(?:corrente|chain (?:message|letter))\b",
    r"\bwhatsapp (?:will|sera|seguira|wird)\b", r"\b(?:azar|mala suerte|bad luck)\b",
    r"\b(?:call now|ligue ja|llame ya|rufen sie jetzt an|appelez maintenant|chiama ora|"
    r"hubungi sekarang|abhi call karein)\b", r"\b(?:extended warranty|garantia estendida|"
    r"garantia extendida)\b",
    r"\b\d+(?:[.,]\d+)? ?(?:mio|millionen|million|millions|millones|milhoes|crore)\b",
    r"\bprince\b", r"\b(?:you will|you'll) (?:get|receive) \d+ ?%", r"\b(?:inheritance|heranca|"
    r"herencia|lottery|loteria|erbe|erbschaft|heritage|eredita|warisan)\b",
    r"\$ ?\d{1,3}(?:,\d{3}){2,}",
])
# fmt: on

# A web address, not an e-mail address; matched on the lower-cased original text.
LINK = re.compile(
    r"https?://|\bwww\.|\bbit\.ly/|(?<![@\w.-])[a-z0-9][a-z0-9-]*\.(?:com|net|org|info|biz|shop|"
    r"store|xyz|top|site|online|co|in|de|fr|it|br|es|io|ly|me|link|click)\b"
)

INJECTION = any_of([
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|system)?\s*(?:instructions|prompts?|rules)\b",
    r"\bmark (?:everything|all|every message|all messages|this|these)\b.{0,20}"
    r"\b(?:urgent|important|high)\b",
    r"\byou are now\b", r"\bsystem prompt\b", r"\bnew instructions\b",
    r"\bignor[ae] (?:as|todas as|las|todas las) instruc\w*\b",
    r"\bignoriere (?:alle )?(?:vorherigen )?anweisungen\b",
])

SPAM_THRESHOLD = 2


def spam_cues(text: str, injection: bool = False) -> list[str]:
    """The spam evidence in `text`: matched cue texts, "link" and "prompt injection"."""
    folded = fold(text)
    found = [m.group(0) for p in SPAM_CUES if (m := p.search(folded))]
    if LINK.search(text.lower()):
        found.append("link")
    if injection:
        found.append("prompt injection")
    return found
