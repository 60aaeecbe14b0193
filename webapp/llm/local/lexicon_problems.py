"""Problem statements described in the customer's own words, not by a keyword.

Word lists miss "the fiscal printer won't print coupons" or "الكاشير علّق وما نقدر نطبع". These
cues look for the *shape* of a problem instead, in every language of `lexicon`:

- a negated operation: a negation next to a verb of something that should work ("doesn't
  print", "no está pasando", "druckt nicht", "ne s'allume plus", "nahi nikal raha", "ما نقدر");
- a fault state: frozen, stuck, blank screen, keeps failing, error codes;
- a discrepancy: "instead of", "3 statt 2", "era pra ser", "only got", "wrong", "doesn't match";
- still not: "still not", "ainda não", "immer noch nicht", "masih belum", "abhi tak nahi";
- damaged goods: wet, torn, opened, leaking, expired;
- someone else on my account or card, a charge or order the customer does not recognise.
"""

from __future__ import annotations

from webapp.llm.local.lexicon import any_of

# fmt: off
_OPERATION_EN = (
    r"(?:work|load|open|print|start|charge|turn on|switch on|connect|accept|read|scan|pay|"
    r"arrive|show|sync|send|receive|respond|boot|reserve|book|process|go through|come|came|"
    r"turn up|show up)"
)
_OPERATION_PT_ES = (
    r"(?:funciona|abre|carrega|carga|imprime|enciende|conecta|aceita|acepta|lee|passa|"
    r"passando|pasa|pasando|entra|chega|llega|aparece|sincroniza|envia|recebe|recibe|responde|"
    r"emite|gera|genera|processa|procesa|aprova|aprueba|cobra|registra|sai|sale|arranca|llegado|"
    r"recibido|recebido|deja|llego|llegaron|chegou|chegaram|veio|vino)"
)

PROBLEM = any_of([
    # negated operations
    r"\b(?:not|never|no longer|won'?t|doesn'?t|isn'?t|aren'?t|didn'?t|can'?t|cannot|unable to|"
    r"nobody can|no one can)\s+(?:\w+\s+){0,2}?" + _OPERATION_EN + r"\w*\b",
    r"\b(?:nao|nem|ninguem|no|ni|nadie|nunca)\s+(?:\w+\s+){0,2}?(?:esta |ta |estan )?"
    + _OPERATION_PT_ES + r"\b(?! (?:nada|a ser|em panico|en panico)\b)",
    r"\bsin poder\b", r"\bsem conseguir\b", r"\bnao (?:esta|estao) a \w+r\b",
    r"\b(?:\d+|two|three|dos|tres|duas|zwei|drei|deux|trois|due|tre|dua|tiga|do|teen)\s+"
    r"(?:hours?|horas|stunden|heures|ore|jam|ghante)\s+(?:late|tarde|atrasad\w*|zu spat|en retard|"
    r"di ritardo|telat|terlambat|der se)\b", r"\b(?:zu spat|telat|terlambat)\b",
    r"(?:^|\s)خرب", r"(?:^|\s)توقف", r"\bband (?:ho gaya|ho gayi|pada)\b",
    r"\bparou (?:do nada|sozinh\w*)\b", r"\bfreeze\b", r"\b(?:just died|died on us)\b",
    r"\b(?:invalid\w*|invalid[oa]|ungultig\w*|invalide|non (?:e )?valid[oa]|tidak valid)\b",
    "غير صالح", r"\b(?:everything|all|tudo|todo|alles|tout|tutto|semua|sab)\b[^.!?]{0,25}"
    r"\b(?:by hand|manually|manual|a mano|na mao|a la main|per hand|haath se)\b", "كل شي يدوي",
    r"\b(?:scanner|printer|mesin|kasir|laptop|komputer|aplikasi)\w*\b[^.!?]{0,20}\bmati\b",
    r"\b(?:sumiu|sumiram|disappeared|vanished|desaparec\w*|verschwunden|disparu\w*|sparit\w*|"
    r"hilang|gayab)\b", "اختفى", "اختفت",
    r"\b(?:shows?|showing|says|muestra|mostrando|zeigt|affiche|mostra|dikha\w*)\b[^.!?]{0,30}"
    r"\b(?:closed|cerrad[oa]|fechad[oa]|geschlossen|fermee?|chius[oa]|tutup|band)\b",
    r"(?:يطلع|يظهر)[^.!?؟]{0,20}(?:مسكر|مقفل)",
    r"\b(?:e )?ferm[oa] (?:in|da)\b", r"\b(?:clonaram|clonaron|geklont|cloned)\b",
    r"\b(?:lacher|lache|ausgestiegen)\b",
    r"\b(?:faltou|faltaram|falto|faltaba|faltaban|fehlte|fehlten|manquait|mancava|mancavano|"
    r"kurang)\b",
    r"\b(?:half done|pela metade|a medias|halb fertig|a moitie|a meta|setengah jadi)\b",
    r"\b(?:not answering|isn'?t answering|nao atende|no contesta|geht nicht ran|ne repond pas|"
    r"non risponde|gak (?:diangkat|angkat)|nahi utha)\w*\b",
    r"\b(?:funktioniert|startet|druckt|lad(?:t|et)|verbindet|akzeptiert|liest|offnet|"
    r"reagiert|bootet|klappt)\s+(?:\w+\s+){0,2}?(?:nicht|nie|gar nicht)\b",
    r"\b(?:kasse|karte|app|seite|system|login|drucker|terminal|internet|server|shop|portal)\w*"
    r"\s+(?:\w+\s+){0,2}?geht\s+(?:\w+\s+){0,2}?nicht\b", r"\bgeht (?:\w+ )?nicht mehr\b",
    r"\b(?:niemand|keiner) kann\b", r"\b(?:nobody|no one|no-one) can\b",
    r"\b(?:kann|kannst|konnen|koennen)\s+(?:\w+\s+)?nicht\s+(?:mehr\s+)?(?:zahlen|bezahlen|einloggen|"
    r"anmelden|zugreifen|arbeiten|verkaufen|drucken|buchen|rein|bestellen)\b",
    r"\bne\s+(?:[^\s]+\s+)?(?:s'allume|marche|fonctionne|demarre|charge|s'ouvre|ouvre|imprime|"
    r"connecte|accepte|lit|passe|repond|arrive)\w*\s+(?:pas|plus|jamais)\b",
    r"\bn'(?:arrive|accepte|imprime|ouvre|est jamais)\w*\b",
    r"\bpersonne ne peut\b",
    r"\b(?:non|mai)\s+(?:\w+\s+){0,2}?(?:funziona|apre|carica|stampa|accende|legge|accetta|"
    r"passa|arriva|risponde|collega)\w*\b", r"\bnessuno (?:riesce|puo)\b",
    r"\b(?:tidak|gak|ga|nggak|gk|tdk)\s+(?:\w+\s+)?(?:bisa|jalan|nyala|masuk|muncul|terkirim|"
    r"diterima|berfungsi|konek)\b",
    # (not "main kal nahi aa raha": a person not coming is news, not a fault)
    r"(?<!kuch )\bnahi?n?\s+(?:(?!aa\b|ja\b|jaa\b)\w+\s+)?(?:raha|rahi|rahe|pa|hua|hui|aaya|"
    r"aayi|mila|mili|"
    r"chal|khul|nikal)\b",
    r"नहीं (?:(?!(?:आ|जा) )[^\s]+ ){0,2}?(?:रहा|रही|रहे|पा|हुआ|हुई|आया|आई|मिला|मिली|चल|खुल)",
    r"(?:^|\s)(?:و?ما|مش|مو|لا|لم|مب)\s?[^\s]*(?:[يتنا]?(?:شتغل|فتح|طبع|قبل|قرا|دخل|وصل|دفع)|"
    r"[يتنا]قدر|قادر|قادرين)",
    r"\b(?:mesh|msh|mafeesh)\s+(?:\w+\s+)?(?:bey|bi|by|sha[g8]|ye|te|ne)\w*\b",
    # fault states
    r"\b(?:frozen|freez(?:es|ing)|stuck|hangs|hung|glitch\w*|blank screen|white screen|"
    r"black screen|keeps (?:saying|showing|giving|failing|crashing|logging me out)|"
    r"logged me out)\b",
    r"\b(?:throwing|shows|showing|gives|giving|getting) (?:an? )?(?:error|[45]\d\d)\b",
    r"\berror (?:code )?[45]\d\d\b", r"\b[45]0\d error\b",
    r"\b(?:travou|bugou|bugad[oa]|tela (?:branca|preta)|fica dando|deslog\w*)\b",
    r"\b(?:congelad[oa]|colgad[oa]|pantalla (?:en )?(?:blanco|negra)|se (?:traba|cuelga|colgo))\b",
    r"\b(?:streikt|spinnt|zickt|abgelaufen|haengt|eingefroren)\b", r"\bsagt immer\b",
    r"\b(?:bloque|bloquee|fige|plante)\b", r"\b(?:bloccat[oa]|si blocca|impallat[oa])\b",
    r"\b(?:error terus|nge-?hang|hang terus|macet)\b", r"\bhang ho\w*\b", r"\bcrash ho\w*\b",
    r"(?:علق|معلق|هنق|يهنق|خربان)",
    r"\b(?:account|card|conta|cartao|cuenta|tarjeta|konto|karte|compte|carte|akun|kartu|user|"
    r"usuario|login|acesso|acceso|zugang|accesso|me|i'?m|i am|i was|i got|fui|fiquei|estou|quede|"
    r"wurde|suis|sono|saya|mera|meri|mujhe)\b[^.!?]{0,30}\b(?:blocked|locked|bloquead[oa]|"
    r"gesperrt|bloque|bloccat[oa]|diblokir)\b",
    r"(?<!my )(?<!meu )(?<!mi )(?<!mein )(?<!mon )(?<!mio )\b(?:errors?|erros?|\w*fehler|erreurs?|"
    r"errori?|eror)\b", r"(?:^|\s)(?:خطا|ايرور)",
    r"\b(?:wifi|internet|network|server|printer|terminal|screen|system|pos|scanner|router|"
    r"phone line)\b[^.!?]{0,30}\b(?:is|are|went|'s)\s+dead\b",
    r"\b(?:power (?:is )?(?:out|cut)|power outage|sin luz|se (?:ha ido|fue) la luz|sem luz|"
    r"acabou a luz|faltou luz|stromausfall|kein strom|coupure de courant|panne de courant|"
    r"manca la corrente|mati lampu|listrik mati|bijli (?:nahi|chali gayi|gayi|kati))\b",
    "انقطعت الكهرباء", "الكهرباء مقطوعه", "الكهرباء طافيه",
    r"\b(?:no|sem|sin|kein\w*|pas d'|niente|senza|gak ada|tidak ada)\s+(?:hot water|agua caliente|"
    r"agua quente|warmwasser|eau chaude|acqua calda|air panas|heating|calefaccion|aquecimento|"
    r"heizung|chauffage|riscaldamento|electricity|internet|wifi|signal|sinal|senal|ar condicionado|"
    r"aire acondicionado|klimaanlage|clim)\b",
    r"\b(?:keeps loading|stuck loading|sale cargando|se queda cargando|fica carregando|"
    r"lad(?:t|et) ewig|charge (?:a|en) l'infini|caricamento infinito|loading terus)\b",
    r"\b(?:desligou|se apago|ging aus|s'est eteint\w*|si e spent\w*)\b", r"\bnao liga mais\b",
    # discrepancies and wrong things
    r"\b(?:instead of|statt|anstatt|en vez de|en lugar de|em vez de|ao inves de|au lieu de|"
    r"invece di|anziche|ki jagah|ke bajaye)\b", r"(?:^|\s)(?:بدل|بدال|بدلا من)\s",
    r"\b(?:but|mas|pero|aber|mais|ma|tapi|lekin)\s+(?:\w+\s+)?(?:only|so|solo|nur|seulement|"
    r"cuma|sirf)\s+(?:\w+\s+)?(?:\d+|got|received|came|arrived|veio|vieram|chegou|chegaram|"
    r"recebi|llego|llegaron|recibi|kam|kamen|bekommen|geliefert|recu|arrivee?s?|arrivat\w*|"
    r"ricevut\w*|dapat|datang|sampai|mila|aaya|aaye)\b",
    r"\b(?:era pra ser|deveria ser|debia ser|deberia ser|devait etre|doveva essere|harusnya|"
    r"seharusnya|hona chahiye tha|should have been)\s+(?:\w+\s+)?(?:r\$|\$|€|\d|hoje|ontem|hoy|"
    r"ayer|today|yesterday|hier|aujourd|ieri|oggi|kemarin|kal|aaj)",
    r"\b(?:should have|supposed to|was meant to)\s+(?:\w+\s+)?(?:arrived?|come|been delivered|"
    r"be here|been here|shipped|ship)\b", "المفروض",
    r"\b(?:wrong|incorrect\w*|errad[oa]s?|equivocad[oa]s?|falsch\w*|faux|fausse|erron\w*|"
    r"sbagliat\w*|errat[oa]|salah|galat)\b(?! (?:chat|number|group|person|numero|grupo|nummer|"
    r"verbunden))",
    "गलत", r"(?:^|\s)(?:غلط|خاطي)", r"\b(?:doesn'?t|does not|don'?t) match\b",
    r"\b(?:incomplet\w*|unvollstandig\w*|(?:gak|tidak|ga) lengkap|adhoora|adhura)\b",
    r"\b(?:ne correspond pas|non corrisponde|stimmt nicht|passt nicht zu|weicht \w* ?ab|"
    r"tidak sesuai|gak sesuai|match nahi)\b",
    r"\b(?:different|diferente|anders|diverso|berbeda|alag)\s+(?:\w+\s+)?(?:from|than|do|da|del|"
    r"de|dal|als|dari|se)\s+(?:the |o |a |el |la |il |dem |der |le )?(?:quote|quotation|orcamento|"
    r"presupuesto|angebot|devis|preventivo|penawaran|agreed|combinado|acordado|vereinbart|convenu|"
    r"concordato|order|pedido|photos?|fotos?|pictures?|images?|imagem|imagen|bilder?|"
    r"description|descricao|descripcion|beschreibung)\b", r"\banders (?:\w+ ){0,2}als\b",
    r"(?:غير|مختلف) عن (?:ال)?صور",
    r"\b(?:wir |ich |we |i )?(?:nie|nicht|never|jamais|mai|nunca|gak pernah) (?:\w+ )?"
    r"(?:bestellt|ordered|commande|ordinato|pedi|pedimos|pesan)\b", r"\bnao pedi\b", r"\bno pedi\b",
    r"\b(?:third|3rd|fourth|terceira|tercera|troisieme|terza|quarta|ketiga\w*|teesri|dritte\w*)\s+"
    r"(?:time|vez|fois|volta|kali\w*|baar|mal)\b", r"\bla tercera\b",
    r"(?:ثالث|رابع) مره", r"للمره (?:الثالثه|الرابعه)",
    r"\b(?:nao|no) (?:e|es|corresponde|bate) (?:o|lo|com|con)\b", r"مو مطابق|مش مطابق|غير مطابق",
    # still not
    r"\bstill (?:waiting|nothing|pending|unpaid|broken|down|no (?:reply|answer|response|update|"
    r"news|word|refund|sign))\b", r"\bstill (?:not|hasn'?t|haven'?t|isn'?t|didn'?t) (?:\w+ )?"
    r"(?:working|fixed|arrived|received|here|delivered|resolved|paid|refunded|sorted|heard|come)\b",
    r"\b(?:ainda nao|todavia no|aun no|immer noch nicht|noch nicht|toujours pas|ancora non|"
    r"masih belum|belum juga|abhi tak nahi?n?)\s+(?:\w+\s+){0,2}?(?:chegou|chegaram|recebi|"
    r"veio|pagaram|resolv\w*|funciona\w*|llego|llega|recibi|resuel\w*|devolv\w*|reembols\w*|"
    r"angekommen|bekommen|geliefert|erhalten|bezahlt|erstattet|behoben|gelost|funktioniert|recu|"
    r"arrive\w*|rembours\w*|resolu|arrivat\w*|ricevut\w*|rimborsat\w*|risolt\w*|funziona|sampai|"
    r"datang|dibayar|diterima|masuk|aaya|aayi|mila|mili|hua)\b",
    r"(?:لسه|لسا|للحين|حتى الان|الى الان) ?(?:ما|مش|لم)",
    r"\b(?:masih|still) (?:belum|not) (?:dibayar|paid|sampai|arrived)\b",
    # a parcel found open
    r"\b(?:pacote|caixa|paquete|caja|paket|karton|colis|pacco|paket|package|parcel|box)\b"
    r"[^.!?]{0,30}\b(?:aberto|aberta|abierto|abierta|offen|geoffnet|ouvert|aperto|opened|open)\b",
    # the status says delivered, but
    r"\b(?:delivered|entregue|entregado|zugestellt|geliefert|livre|consegnato|terkirim|"
    r"diterima)\b[^.!?]{0,40}\b(?:but|mas|pero|aber|mais|ma|tapi|par|lekin)\b",
    r"(?:تم التسليم|تم التوصيل|وصل)[^.!?؟]{0,40}(?:بس|لكن)",
    # someone else, unrecognised charges or orders
    r"\b(?:someone|somebody|alguem|alguien|jemand|quelqu'un|qualcuno|ada yang|seseorang|"
    r"kisi ne|kisi aur)\b[^.!?]{0,40}\b(?:account|conta|cuenta|konto|compte|akun|card|cartao|"
    r"tarjeta|karte|carte|kartu|password|senha|contrasena|passwort|otp|login|einzuloggen|"
    r"eingeloggt|log ?in)\b",
    r"(?:^|\s)(?:حد|احد|شخص|واحد)\s[^.!?؟]{0,30}(?:حساب|بطاق|كرت|باسورد|الايميل|كلمه السر)",
    r"\b(?:didn'?t|did not|never) (?:make|order|buy|authori[sz]e|request)\b",
    r"\b(?:nao fiz|nao reconheco|no hice|no reconozco|nicht getatigt|erkenne\w* (?:\w+ )?nicht|"
    r"ne reconnais pas|non (?:lo )?riconosco|non ho (?:fatto|effettuato)|tidak (?:pernah|kenal)|"
    r"gak pernah|maine nahi?n? (?:kiya|kharida))\b", r"\b(?:don'?t|do not) recogni[sz]e\b",
    r"\b(?:fake|scam|fraud\w*) (?:call|sms|message|link)\b", r"\botp (?:maanga|manga|mang)\w*\b",
    r"\b(?:golpe|estafa|betrug|arnaque|truffa|penipuan)\b", "احتيال", "نصب", "धोखा",
    # charged although cancelled, paid but still unpaid
    r"\b(?:cobr\w*|charg\w*|berechn\w*|abgebucht|belastet|addebit\w*|preleve|debit\w*|potong)\b"
    r"[^.!?]{0,50}\b(?:cancel\w*|baja|kundig\w*|storn\w*|resili\w*|disdett\w*|batal\w*|although|"
    r"aunque|embora|obwohl)\b",
    r"(?:انسحب|انخصم|خصم|سحب)[^.!?؟]{0,40}(?:لغيت|الغيت|ملغي)",
    r"\b(?:paid|paguei|pague|pagado|bezahlt|paye|pagato|sudah (?:bayar|transfer)|transfer\w*)\b"
    r"[^.!?]{0,30}\b(?:but|mas|pero|aber|mais|ma|tapi|lekin)\b",
])

# Damage words ("wet", "torn") are a problem only about goods: see GOODS.
DAMAGE = any_of([
    r"\b(?:wet|soaked|torn|ripped|leak(?:ing|ed|s)?|dented|expired|spoiled|rotten)\b",
    r"\b(?:molhad[oa]|rasgad[oa]|amassad[oa]|vazando|estragad[oa]|mojad[oa]|"
    r"caducad[oa]|podrid[oa]|goteando)\b",
    r"\b(?:nass|zerrissen|undicht|verdorben|eingedruckt)\b",
    r"\b(?:mouille|dechire|abime|perime|ecrase)\w*\b",
    r"\b(?:bagnat|strappat|scadut|ammaccat)\w*\b",
    r"\b(?:basah|sobek|bocor|penyok|kadaluarsa|basi)\b", r"\b(?:geela|phata|kharab)\b", "गीला",
    "फटा",
    "خربان", "مبلول", "ممزق", "منتهي الصلاحيه",
])

GOODS = any_of([
    r"\b(?:arrived|came|delivered|received|got|package|parcel|box|order|item|product|goods)\b",
    r"\b(?:chegou|veio|recebi|encomenda|pacote|caixa|pedido|produto|mercadoria)\b",
    r"\b(?:llego|recibi|paquete|caja|producto|mercancia)\b",
    r"\b(?:kam|angekommen|geliefert|paket|karton|ware|artikel|bestellung|lieferung)\b",
    r"\b(?:recu|arrive|colis|commande|produit|carton)\b", r"\b(?:arrivat\w*|ricevut\w*|pacco|"
    r"ordine|prodotto|merce)\b", r"\b(?:datang|sampai|barang|pesanan|paket)\b",
    r"\b(?:aaya|aayi|mila|saman|samaan|parcel)\b", "आया", "मिला", "सामान", "ऑर्डर",
    "وصل", "الطلب", "المنتج", "الطرد", "الكرتون", "البضاعه",
])
# fmt: on
