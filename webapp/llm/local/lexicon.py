"""Cue words of the built-in heuristic analyser: folding, and the cues of risk.

Languages: en, pt, es, de, fr, it, id, hi (Devanagari and Hinglish) and ar (Arabic script and
Arabizi). Every pattern matches *folded* text (see `fold`: lower case, no accents, no elongated
letters, one spelling of Arabic letters and digits) and is itself folded when it is compiled, so
a table may be written with accents ("amanhã", "übermorgen", "مستحقة") or without.

This module holds what makes a message important: outages, urgency, complaints, money at risk,
deadlines and account security, and what takes it back (resolved, explicitly not urgent). The
conversational cues are in `lexicon_talk`, spam in `lexicon_spam`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")  # "pleeease", "graciasss", "kkkkk"
_UPPER_ESCAPE = re.compile(r"\\[A-Z]")
_CHAR_MAP = str.maketrans(
    {
        "ß": "ss", "’": "'", "‘": "'", "ʼ": "'", "ى": "ي", "ة": "ه", "ـ": None, "٪": "%",
        **{chr(base + i): str(i) for base in (0x0660, 0x06F0, 0x0966) for i in range(10)},
    }
)


def fold(text: str) -> str:
    """Fold `text` for matching: "URGENTEEE" -> "urgente", "amanhã" -> "amanha", "٢٥٠" -> "250"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_CHAR_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _ELONGATED.sub(r"\1", stripped)


def any_of(patterns: Iterable[str]) -> re.Pattern[str]:
    """One compiled alternation of `patterns`, each folded like the text it will match."""
    parts: list[str] = []
    for pattern in patterns:
        # Folding lower-cases: an escape such as \S or \W would silently change its meaning.
        assert not _UPPER_ESCAPE.search(pattern), pattern
        parts.append(f"(?:{fold(pattern)})")
    return re.compile("|".join(parts))


# The tables below are data: kept dense on purpose (one language per line where possible).
# Arabic and Devanagari words carry prefixes and suffixes, so their cues match inside words.
_SYSTEM = (
    r"(?:site|website|server|servers|system|sistema|app|api|portal|page|pagina|dashboard|"
    r"painel|panel|pos|checkout|gateway|network|wifi|internet|shop|seite|sito|sistem\w*|"
    r"aplikasi\w*|web\w*)"
)
# fmt: off

OUTAGE = any_of([
    r"\boutages?\b", r"\b(?:is|are|was|were|went|been|still|goes|go|gone|all|it'?s|be)\s+down\b"
    r"(?! to\b)", r"\bdown\s+(?:again|since|for|right now|atm|hai)\b",
    _SYSTEM + r"\b[^.?!\n]{0,20}\bdown\b(?! to\b)",
    r"\bnot (?:working|loading|opening|responding)\b",
    r"\b(?:doesn'?t|does not|won'?t|isn'?t|wont|doesnt) (?:work|load|open|respond|connect)\b",
    r"\bstopped working\b", r"\bcrash(?:ed|es|ing)?\b", r"\boffline\b", r"\btim(?:ing|es|ed) out\b",
    r"\b(?:can ?not|can'?t|cant|unable to|couldn'?t|could not|not able to)\s+(?:log ?in|sign ?in|"
    r"access|connect|pay|check ?out|place (?:an |any )?orders?|open|use|sell)\b",
    r"\bno (?:payments?|orders?|cards?) (?:are |is )?(?:going|coming|getting) through\b",
    r"\bcards? (?:are |keep |keeps )?(?:getting |being )?(?:declined|rejected)\b",
    r"\bparad[oa]s?\b", r"\bparou de\b", r"\bfora do ar\b", r"(?<!pix )(?<!dinheiro )\bcaiu\b",
    r"\bcaid[oa]s?\b",
    r"\bem baixo\b", r"\bnao (?:esta |ta )?funciona(?:ndo)?\b", r"\bnao (?:abre|carrega|conecta)\b",
    r"\b(?:nao|ninguem) (?:consigo|conseguimos|consegue|conseguem|da pra) (?:logar|entrar|"
    r"acessar|pagar|emitir|fazer|finalizar|abrir|usar|vender|passar|conectar)\b",
    r"\btrava(?:d[oa]|ndo|ou)?\b", r"\b(?:da|dando|deu) erro\b", r"\bpix\b[^.?!]{0,20}\bnao\b"
    r"[^.?!]{0,10}\b(?:cai|caindo|entra|entrando)\b",
    r"\bno funciona\b", r"\bse cayo\b", r"\bsin servicio\b",
    r"\bno (?:carga|abre|conecta|responde)\b",
    r"\bno me deja \w+", r"\b(?:no|nadie) (?:puedo|puede|podemos|"
    r"pueden) (?:entrar|acceder|pagar|facturar|cobrar|vender|iniciar sesion|conectar|usar)\b",
    r"\b(?:me sale|sale un|da) error\b", r"\bfuera de servicio\b",
    r"\bausgefallen\b", r"\bausfall\b", r"\bfunktioniert (?:\w+ )?nicht\b",
    r"\b(?:kasse|karte|app|seite|system|login|drucker|terminal|internet|server|shop|portal)\w*"
    r"\s+(?:\w+\s+){0,2}?geht\s+(?:\w+\s+){0,2}?nicht\b",
    r"\bkaputt\b", r"\bstillstand\b", r"\bsturzt\w* (?:\w+ ){0,3}ab\b", r"\babgesturzt\b",
    r"\blad(?:t|et) nicht\b", r"\bhang(?:t|en)\b", r"\bstorung\b", r"\bkeine verbindung\b",
    r"\bkann (?:mich )?nicht (?:einloggen|anmelden|bezahlen|zugreifen)\b",
    r"\bkomm(?:en|e|t) nicht (?:\w+ ){0,3}durch\b",
    r"\ben panne\b", r"\bne (?:marche|fonctionne) (?:pas|plus)\b", r"\bca (?:bug|plante)\b",
    r"\bhors service\b", r"\b(?:impossible de|n'arrive (?:pas|plus) a) (?:me |se )?(?:connecter|"
    r"payer|passer commande|commander|acceder)\b",
    r"\bnon funziona\b", r"\b(?:sito|app|sistema|server|servizio) (?:e )?giu\b",
    r"\bnon riesco (?:ad? )?(?:accedere|entrare|pagare|collegarmi)\b", r"\bfuori servizio\b",
    r"\b(?:gak|ga|gk|nggak|tidak|tdk) bisa (?:login|masuk|bayar|input|akses|dibuka|checkout)\b",
    r"\berror terus\b", r"\bgangguan\b",
    r"\b(?:chal|khul|khol|ho)(?: hi)? nahi?n? (?:raha|rahi|rahe)\b",
    r"\bnahi?n? (?:chal|khul) (?:raha|rahi|rahe)\b", r"\bkaam nahi?n? kar (?:raha|rahi|rahe)\b",
    r"\b(?:payment|login) nahi?n? (?:ho|kar) (?:raha|rahi|rahe|pa)\b",
    r"\berror aa (?:raha|rahi)\b",
    "बंद है", "बंद हो गया", "काम नहीं कर", r"नहीं (?:चल|खुल|बन) रह", "लॉगिन नहीं", "डाउन है",
    "معطل", "متوقف", "عطلان", "لا يعمل", "ما يشتغل", "مش شغال", "مو شغال", "مش بيشتغل",
    r"(?:سيستم|نظام|موقع|تطبيق|سيرفر|برنامج)\s?(?:واقع|وقع|واقف)",
    r"(?:جهاز|ماكينه|مكينه|شبكه|نظام|سيستم)[^.،!?؟]{0,25}\bوقف", "لا استطيع تسجيل الدخول",
    r"(?:^|\s)(?:ما|مش|مو|محدش|محد|ماحد)\s?(?:اقدر|قادر|نقدر|يقدر|يقدرون|تقدر|قادرين) ?"
    r"(?:ادخل|ندخل|يدخل|يدفع|يدفعون|ادفع|ندفع|اشتغل|نشتغل|يشتغل)",
    r"\bwa2e3\b", r"\bmesh (?:sha[g8]h?al|bey?sh?ta[g8]h?al|3aref|2ader)\b",
    r"\bmafeesh 7ad 3aref\b",
])

URGENT = any_of([
    OUTAGE.pattern,
    r"\burgent(?:ly)?\b", r"\basap\b", r"\bemergency\b", r"\bimmediately\b", r"\bright now\b",
    r"\bcritical\b", r"\bat the earliest\b", r"\bas soon as possible\b", r"\bright away\b",
    r"\burgente\b", r"\burgencia\b", r"\bemergencia\b", r"\bimediatamente\b", r"\bagora mesmo\b",
    r"\bsocorro\b", r"\bo quanto antes\b", r"\burge\b", r"\binmediatamente\b", r"\bahora mismo\b",
    r"\bcuanto antes\b", r"\blo antes posible\b",
    r"\bdringend\b", r"\bsofort\b", r"\bnotfall\b", r"\beilig\b", r"\bschnellstens\b",
    r"\bau plus vite\b", r"\bimmediatement\b", r"\btout de suite\b",
    r"\b(?:serv\w*|mandate|venite|chiamate|risolvete|intervenite) subito\b", r"\bal piu presto\b",
    r"\bimmediatamente\b",
    r"\bsegera\b", r"\bdarurat\b",
    r"\bjaldi\b", r"\bturant\b", "जल्दी", "तुरंत", "अर्जेंट",
    "ضروري", "بسرعه", "فورا", "حالا", "مستعجل", r"\bbsor3a\b", r"\bdarory\b",
])

NOT_URGENT = any_of([
    r"\bnot (?:urgent|a rush|a priority)\b", r"\bno (?:rush|hurry)\b", r"\bwhenever you\b",
    r"\bno (?:action|reply|response) (?:is )?needed\b", r"\bno need to (?:reply|respond|answer)\b",
    r"\btake your time\b",
    r"\bnao (?:e |eh )?urgente\b", r"\bsem pressa\b", r"\bnao tem pressa\b",
    r"\bnao precisa (?:responder|confirmar)\b",
    r"\bno es urgente\b", r"\bsin prisa\b", r"\bno hay prisa\b",
    r"\bno hace falta (?:confirmar|responder|contestar)\b",
    r"\bnicht dringend\b", r"\bkeine eile\b", r"\beilt nicht\b",
    r"\bkeine (?:ruckmeldung|antwort) notig\b",
    r"\bpas (?:urgent|presse)\b", r"\brien ne presse\b", r"\bnon e urgente\b", r"\bsenza fretta\b",
    r"\b(?:gak|ga|tidak) (?:buru-buru|urgent)\b", r"\bsantai aja\b",
    r"\bkoi jaldi nahi?n?\b", r"\bjaldi nahi?n? hai\b",
    r"\breply ki (?:zaroorat|jarurat) nahi?n?\b",
    "कोई जल्दी नहीं", "जवाब देने की जरूरत नहीं",
    r"(?:مش|مو|غير) مستعجل", "على راحتك", "لا داعي للرد", "ما في عجله", r"\bmesh mesta3gel\b",
])

RESOLVED = any_of([
    r"\b(?:it'?s|is|its) back up\b", r"\b(?:working|works) (?:again|now)\b", r"\ball good now\b",
    r"\bignore my (?:last|previous) (?:msg|message)\b", r"\bnever ?mind\b", r"\bnvm\b",
    r"\bvoltou a funcionar\b", r"\bvoltou ao normal\b", r"\bja (?:esta|ta) funcionando\b",
    r"\bfuncionando de novo\b", r"\bnormalizou\b", r"\bpode desconsiderar\b",
    r"\bya funciona\b", r"\bfunciona (?:otra vez|de nuevo)\b", r"\bya (?:se )?arreglo\b",
    r"\bgeht wieder\b", r"\bfunktioniert wieder\b", r"\blauft wieder\b", r"\bhat sich erledigt\b",
    r"\bca remarche\b", r"\bfonctionne a nouveau\b", r"\bfunziona di nuovo\b", r"\bora funziona\b",
    r"\b(?:udah|sudah) (?:normal|bisa) lagi\b", r"\bab (?:chal|theek) (?:raha|rahi|ho gaya)\b",
    "अब चल रहा", "ठीक हो गया", "رجع يشتغل", "اشتغل الحين", r"\brege3 yesh?ta[g8]h?al\b",
])

COMPLAINT = any_of([
    r"\bcomplain(?:t|ts|ing|ed)?\b", r"\bunacceptable\b", r"\bdisappointed\b", r"\bfurious\b",
    r"\bridiculous\b", r"\bstill (?:waiting|nothing|no (?:reply|answer|response|update))\b",
    r"\bnever (?:arrived|came|received)\b", r"\b(?:hasn'?t|has not|haven'?t|didn'?t|not) "
    r"(?:arrived|received|shown up)\b", r"\b(?:broke|broken|damaged|defective|faulty)\b",
    r"\bmissing\b", r"\bwrong (?:item|order|product|size|colou?r|charge|amount)\b",
    r"\bnot what i ordered\b", r"\bworst\b", r"\bterrible\b", r"\bawful\b", r"\bpathetic\b",
    r"\buseless\b", r"\bnot happy\b", r"\bfed up\b", r"\bsick of\b",
    r"\bno ?(?:one|body) (?:answers|replies|responds|picks up|calls back)\b",
    r"\b(?:second|third|fourth|2nd|3rd|4th) time\b", r"\blawyer\b", r"\battorney\b",
    r"\blegal (?:action|team|department|dept)\b", r"\bsolicitor\b", r"\bdepartamento juridico\b",
    r"\brechtsabteilung\b", r"\bservice juridique\b", r"\bufficio legale\b", "الشؤون القانونيه",
    r"\b(?:palhacada|sacanagem|ridicul[oa]|tomadura de pelo|es una broma|ca commence a bien faire|"
    r"j'en ai marre|ras le bol|es reicht|reicht'?s|mir reicht'?s|enough is enough|ab bas|"
    r"bas ho gaya)\b", r"\bbasta\b(?=\s*(?:[.!,]|$))", r"\bnot (?:ok|okay|acceptable)\b",
    r"ما عاد اتحمل", "زهقت", "طفح الكيل", r"\bsue\b", r"\bcourt\b",
    r"\bconsumer (?:protection|council|authority)\b",
    r"\bbad review\b", r"\bcancel(?:l?ing|l?ed)? (?:the|my|our) (?:order|subscription|contract|"
    r"account|membership)\b", r"\bnever (?:again|ordering again|buying)\b",
    r"\blost (?:like |about |over )?\d+ (?:orders|sales|customers)\b",
    r"\breclama\w*\b", r"\binaceitavel\b", r"\babsurdo\b", r"\bdecepcionad[oa]\b",
    r"\bainda nao (?:chegou|recebi|veio|responderam)\b", r"\bnunca chegou\b", r"\bnao chegou\b",
    r"\batras(?:ad[oa]|a|ou|ando|o)\b", r"\b(?:esperando|aguardando) (?:ha|faz) \d+",
    r"\bveio (?:errad[oa]|quebrad[oa]|faltando|danificad[oa]|com defeito)\b",
    r"\b(?:quebrad[oa]|danificad[oa]|com defeito|faltando|pessim[oa]|horrivel|descaso)\b",
    r"\buma piada\b", r"\bninguem (?:me )?(?:responde|atende|resolve|retorna)\b",
    r"\b(?:segunda|terceira|quarta) vez\b", r"\bprocon\b", r"\badvogad[oa]\b",
    r"\bjudicial(?:mente)?\b", r"\bprocessar\b", r"\bvou cancelar\b", r"\bconcorrencia\b",
    r"\bnunca mais\b", r"\bdinheiro de volta\b", r"\besperar \d+ (?:horas|dias)\b",
    r"\bquejas?\b", r"\breclamo\b", r"\binaceptable\b", r"\bes una verguenza\b",
    r"\btodavia no (?:llega|ha llegado|recibo|me llega)\b", r"\bnunca llego\b", r"\bhart[oa]\b",
    r"\bpesim[oa]\b", r"\bnadie (?:me )?(?:responde|contesta|soluciona|atiende)\b",
    r"\b(?:segunda|tercera|cuarta) vez\b",
    r"\bllevo (?:una|un|\d+|dos|tres) (?:semana|dia|hora|mes)",
    r"\bllego (?:abierto|roto|rota|danado|frio|fria|tarde|incompleto)\b", r"\broto\b",
    r"\bdefectuos[oa]\b", r"\bfalta(?:n)? (?:un|una|el|la)\b", r"\bno es lo que (?:pedi|compre)\b",
    r"\bme llego otr[oa]\b", r"\bdenuncia\b", r"\b(?:presentar\w*|poner\w*) (?:una )?demanda\b",
    r"\bdemandar\w*\b",
    r"\babogado\b", r"\b(?:en|a) consumo\b",
    r"\bno vuelvo\b", r"\bsin avisar\b", r"\bme (?:cancelan|cancelaron)\b",
    r"\bbeschwer\w*\b", r"\binakzeptabel\b", r"\benttauscht\b", r"\b(?:nie|nicht) angekommen\b",
    r"\bwarte (?:seit|schon)\b", r"\bfrechheit\b", r"\bunverschamt\b", r"\bkatastroph\w*\b",
    r"\bschwach\b", r"\bbeschadigt\b", r"\bdefekt\b", r"\bfalsch(?:e|er|es)? (?:artikel|ware|"
    r"geliefert|lieferung|grosse)\b", r"\b(?:niemand|keiner) (?:ruft|antwortet|meldet)\b",
    r"\b(?:zweite|dritte|vierte)n? mal\b", r"\banwalt\b", r"\bverbraucherzentrale\b",
    r"\bkundig(?:e|en|ung)\b", r"\bgeld zuruck\b",
    r"\binadmissible\b", r"\binacceptable\b", r"\bhonteux\b", r"\bnul(?:le)?\b", r"\bplus jamais\b",
    r"\bj'attends (?:toujours|depuis|encore|ma|mon|mes)\b", r"\btoujours rien\b", r"\bcasse\b",
    r"\babime\b", r"\bplainte\b",
    r"\bavocat\b", r"\bpersonne ne (?:repond|rappelle)\b",
    r"\binaccettabile\b", r"\bvergogna\b", r"\bpessim[oa]\b", r"\breclamo\b",
    r"\baspetto (?:da|il|la|ancora)\b", r"\b(?:non (?:e )?(?:ancora )?|mai )arrivat[oa]\b",
    r"\brott[oa]\b", r"\bdanneggiat[oa]\b", r"\bsbagliat[oa]\b", r"\bavvocato\b",
    r"\bparah\b", r"\bkecewa\b", r"\brusak\b", r"\bbelum (?:sampai|datang|diterima)\b",
    r"\b(?:gak|ga|tidak) ada kabar\b", r"\bnunggu\b", r"\bkomplain\b",
    r"\bsalah (?:kirim|barang|ukuran|warna)\b", r"\bpengacara\b",
    r"\b(?:bekaa?r|bakwas|ghatiya|faltu)\b", r"\bwait kar (?:raha|rahi)\b",
    r"\b(?:\d+|do|teen|ek) (?:din|hafte|hafta|mahine) se\b", r"\babhi tak nahi?n? (?:aaya|mila)\b",
    r"\b(?:toota|tuta|tooti|tuti)\b", r"\bgalat (?:item|saman|samaan|product|size|order|colou?r)\b",
    r"\bkoi (?:sunta|jawab|reply)(?: hi)? nahi?n?\b", r"\b(?:dusri|doosri|teesri|tisri) baar\b",
    r"\bconsumer (?:court|forum)\b", r"\bvakil\b", r"\bnotice bhej\w*\b",
    r"\bcancel kar (?:dunga|dungi|denge)\b",
    "टूटा", "टूटी", "बेकार", "घटिया", "शिकायत", "वकील", "उपभोक्ता",
    r"अभी तक (?:नहीं|नही) (?:आया|मिला)",
    r"कैंसल कर (?:दूंगा|दूंगी|देंगे)", "कोई जवाब नहीं",
    "سيئه", "سيء", "مكسور", "تالف", "ناقص", r"(?:^|\s)(?:ما|لم|مش) ?(?:وصل|يصل|واصل)", "موصلش",
    r"(?:منذ|من|له) (?:اسبوع|اسبوعين|يومين|شهر)",
    r"(?:^|\s)تاخر", r"(?:^|\s)(?:و?لا|و?ما|محدش|ماحد|محد)\s?(?:احد|حد)?\s?(?:يرد|بيرد|رد)",
    "اشتكي", "شكوى", "حمايه المستهلك", "محامي", "المحكمه", r"(?:سالغي|راح الغي|بلغي)",
    r"اروح ل(?:شركه|غيركم)", "زعلان", "مش راضي", r"\bza3lan\b", r"\bmawsal(?:e)?sh\b",
    r"\b(?:8alat|ghalat)\b", r"\b7ad byrod\b",
])

MONEY_RISK = any_of([
    r"\brefund(?:ed|s)?\b", r"\bchargeback\b", r"\bdispute (?:this|the) (?:charge|payment)\b",
    r"\bcharged (?:me |my card |us )?(?:twice|two times|double|2x)\b",
    r"\bdouble (?:charged|charge|billed)\b", r"\bpayment (?:failed|declined|rejected|bounced|"
    r"keeps failing|is failing|didn'?t go through)\b",
    r"\b(?:card|transaction) (?:declined|failed)\b",
    r"\bmoney (?:was |got )?(?:debited|deducted|taken)\b", r"\boverdue\b", r"\bpast due\b",
    r"\boutstanding (?:balance|invoice|amount)\b", r"\bunpaid\b", r"\bfinal notice\b",
    r"\b(?:invoice\w*|billed|charged|paid|payment|factur\w*|cobr\w*|recibo|pagamento|pago|"
    r"rechnung|berechnet|abgebucht|belastet|facture|preleve|debite|addebit\w*|fattur\w*|tagihan|"
    r"bayar|potong|bill|paise|kat)\b[^.!?]{0,30}\b(?:twice|two times|double|2x|duas vezes|em dobro|"
    r"dos veces|doble|zweimal|doppelt|deux fois|en double|due volte|doppio|dua kali|do baar)\b",
    r"(?:فاتوره|اندفع|انخصم|خصم|دفع|سحب)[^.!?؟]{0,30}مرتين",
    r"\b(?:extra|additional|adicional|a mais|de mas|zusatzlich\w*|en plus|in piu|tambahan)\s+"
    r"(?:\w+\s+)?(?:charges?|fees?|amount|valor|cobranca|cargo|monto|betrag|gebuhr|montant|frais|"
    r"importo|costo|biaya)\b", r"مبلغ زياده|رسوم اضافيه",
    r"\b(?:diferenca|diferencia|differenz|difference|differenza|selisih)\w*\b[^.!?]{0,20}"
    r"\b(?:volta|devuelvan|devolver|erstatt\w*|refund\w*|rembours\w*|dikembalikan|wapas)\b",
    r"\b(?:want|quero|quiero|veux|voglio|rivoglio|minta)\s+(?:\w+\s+)?"
    r"(?:the difference|a diferenca|"
    r"la diferencia|die differenz|la difference|la differenza|selisih)\b", "فرق المبلغ",
    r"\breembolso\b", r"\bestorn\w*\b", r"\bcobrad[oa] (?:duas vezes|2x|em dobro|a mais)\b",
    r"\bcobranca (?:indevida|duplicada|em dobro)\b", r"\bpagamento (?:foi )?(?:recusado|negado|"
    r"nao aprovado|falhou)\b", r"\bsaiu da (?:minha )?conta\b", r"\bem aberto\b", r"\bvencid[oa]\b",
    r"\bem atraso\b", r"\bcontestar (?:no cartao|a compra|a cobranca)\b",
    r"\bme cobraron (?:dos veces|doble|de mas)\b", r"\bcobro (?:doble|indebido|duplicado)\b",
    r"\brechazad[oa]\b", r"\bsaldo pendiente\b", r"\bcontracargo\b", r"\bdevolucion\b",
    r"\bdoppelt (?:abgebucht|berechnet|belastet)\b", r"\b(?:ruck)?erstatt\w*\b",
    r"\bzahlung (?:wurde )?(?:abgelehnt|fehlgeschlagen)\b", r"\bgeld (?:ist )?weg\b",
    r"\buberfallig\b", r"\bmahnung\b", r"\binkasso\b",
    r"\brembours\w*\b", r"\brelance\b", r"\bdebite deux fois\b", r"\bimpaye\b",
    r"\bmise en demeure\b",
    r"\brimborso\b", r"\baddebitat[oa] due volte\b", r"\binsolut[oa]\b", r"\bsollecito\b",
    r"\bkepotong (?:dua kali|2x)\b", r"\brefund\b", r"\bdikembalikan\b",
    r"\b(?:pembayaran|bayar) (?:gagal|ditolak)\b",
    r"\bdo baar (?:paise|paisa|payment|charge)\b", r"\bpaise? kat (?:gaye|gaya|gye)\b",
    r"\bpayment fail\w*\b", r"\bpaise wapas\b",
    "पैसे[^.]{0,25}कट", "रिफंड", "पैसे वापस", "पेमेंट फेल",
    r"(?:خصم|انخصم|اتخصم|سحب)[^.،]{0,30}مرتين", "انخصم", "اتخصم", "مرفوض", "استرجاع", "استرداد",
    "فلوسي", r"\bet?5asam\b",
])

DUE = any_of([
    r"\b(?:is|are|was|payment|rent|invoice|bill|fee|balance|it'?s|be) due\b", r"\bdeadline\b",
    r"\bdue (?:on|by|date|today|tomorrow|in|end|this|next|now|hai)\b",
    r"\bexpires? (?:on|in|today|tomorrow)\b",
    r"\bvence(?:u|m)?\b", r"\bvencimento\b", r"\bprazo\b", r"\bvencen?\b", r"\bvencimiento\b",
    r"\bfallig\b", r"\bfrist\b", r"\blauft (?:\w+ ){0,4}ab\b", r"\bablauf\w*\b", r"\becheance\b",
    r"\ba payer (?:avant|demain|aujourd'hui)\b",
    r"\bscade\b", r"\bscadenza\b", r"\bjatuh tempo\b", r"\btenggat\b", r"\blast date\b",
    "مستحق", "اخر موعد", "الموعد النهائي", "تنتهي", "ينتهي",
])

SECURITY = any_of([
    r"\bhack(?:ed|er|ers)\b", r"\b(?:account|password) (?:was |got |has been )?(?:compromised|"
    r"stolen|hijacked)\b", r"\b(?:someone|somebody) (?:else )?(?:logged|signed|got) in",
    r"\b(?:someone|somebody) (?:changed|reset) my password\b", r"\blocked out\b",
    r"\blog ?in alert\b", r"\bwasn'?t me\b", r"\bwas not me\b", r"\bunauthori[sz]ed\b",
    r"\bhackead[oa]\b", r"\binvadid[oa]\b", r"\balguem (?:entrou|acessou|logou)\b",
    r"\b(?:mudaram|trocaram|alteraram) (?:a |minha )?senha\b", r"\bnao fui eu\b",
    r"\broubaram (?:a |minha )?conta\b", r"\bclonad[oa]\b",
    r"\brobaron (?:la |mi )?cuenta\b", r"\balguien (?:\w+ ){0,3}(?:entrar|entro|accedio)\b",
    r"\bcodigo (?:\w+ ){0,4}no (?:pedi|solicite)\b", r"\bno fui yo\b", r"\bacceso no autorizado\b",
    r"\bgehackt\b", r"\bwar(?:en)? nicht ich\b", r"\blogin-?benachrichtigung\b", r"\bunbefugt\w*\b",
    r"\bpirate\b", r"\bquelqu'un (?:s'est connecte|a change)\b", r"\bn'etait pas moi\b",
    r"\bhackerat[oa]\b", r"\bqualcuno (?:ha cambiato|si e collegato|e entrato)\b",
    r"\bnon ero io\b",
    r"\b(?:di-?hack|kena hack)\b", r"\bdiganti orang\b", r"\bdibobol\b", r"\bbukan saya\b",
    r"\bhack (?:ho gaya|hua|kar)\b", r"\bkisi (?:aur )?ne (?:login|password)\b",
    r"\botp (?:maine )?nahi?n? (?:manga|mangaya)\b",
    "हैक", r"किसी ने (?:पासवर्ड|लॉगिन)",
    r"\b(?:fake|falso|falsa|falsche\w*|faux|fausse|finto|palsu|nakli)[- ]\s*(?:\w+\s+)?"
    r"(?:page|seite|"
    r"perfil|profile|profil|account|conta|cuenta|compte|pagina|akun|site|website)\b",
    r"\b(?:page|seite|perfil|profile|profil|account|conta|cuenta|compte|pagina|akun)\s+(?:\w+\s+)?"
    r"(?:fake|falso|falsa|palsu|nakli)\b", r"\bfake-seite\b",
    r"\b(?:se passando por|haciendose pasar por|pretending to be|se faisant passer|spacciandosi|"
    r"mengaku(?:-ngaku)?)\b", r"(?:صفحه|حساب) (?:مزيف|وهمي)",
    "اخترق", "مخترق", "اتهكر", "انهكر", "اتسرق", "انسرق", r"(?:مو|مش|ليس) انا", "جهاز غريب",
])
# fmt: on
