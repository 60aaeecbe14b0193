"""Whether a statement reports a case: the desk's objects, and signs that nothing is needed.

A message about an order, a payment, a booking or a system (`OPERATIONS`) that tells a problem
story (`PROBLEM_MARKER`: a negation, a contrast, time gone by, "still") and shows no sign of
needing nothing (`FYI`, `ROUTINE`, `SETTLED`, `CHATTER`, plus thanks and acknowledgements from
`lexicon_talk`) is reported as a case: someone is telling the desk that something is off, in
words no cue table foresaw. Same languages and folding as `lexicon`.
"""

from __future__ import annotations

from webapp.llm.local.lexicon import any_of

# What an operations desk looks after: a message about one of these, with no sign that it is
# thanks, an acknowledgement, news or a routine notice, is usually someone reporting a case.
# fmt: off
OPERATIONS = any_of([
    r"\b(?:ordered|pedi|bestellt|commande|ordinato|pesan|scanner|printer|leitor|impressora|"
    r"drucker|imprimante|stampante|barcode|kitchen|cozinha|cocina|kuche|cuisine|cucina|dapur)\b",
    r"\b(?:orders?|deliver\w*|courier|driver|rider|parcel|package|shipment|tracking|invoice\w*|"
    r"bill(?:ing)?|payment|debit|transfer|refund|card|account|login|password|app|site|website|"
    r"system|portal|terminal|pos|till|booking|reservation|appointment|technician|plumber|"
    r"electrician|engineer|contract|lease|subscription|warranty|stock)\b",
    r"\b(?:pedidos?|entrega\w*|motoboy|entregador|encomenda|pacote|rastreio|fatura|boleto|pix|"
    r"pagamento|cobranca|cartao|conta|senha|aplicativo|sistema|maquininha|caixa|agendamento|"
    r"reserva|consulta|tecnico|contrato|assinatura|loja|estoque|multibanco)\b",
    r"\b(?:repartidor|paquete|envio|factura|pago|cobro|tarjeta|cuenta|contrasena|pagina|"
    r"plataforma|cita|turno|deposito|transferencia|suscripcion|senal)\b",
    r"\b(?:bestellung\w*|lieferung|fahrer|paket|sendung|rechnung|zahlung|lastschrift|karte|konto|"
    r"passwort|webseite|website|kasse|termin|handwerker|techniker|vertrag|abo)\b",
    r"\b(?:commande|livr\w*|livreur|colis|facture|paiement|prelevement|carte|compte|site|caisse|"
    r"rendez-vous|rdv|plombier|technicien|contrat|abonnement|relance)\b",
    r"\b(?:ordine|consegn\w*|corriere|pacco|fattura|pagamento|carta|conto|sito|cassa|"
    r"appuntamento|tecnico|contratto|abbonamento|gestionale|sollecito)\b",
    r"\b(?:pesanan|kiriman|kurir|paket|tagihan|pembayaran|bayar|transfer|kartu|akun|aplikasi|"
    r"kasir|jadwal|teknisi|langganan)(?:nya)?\b",
    r"\b(?:order|delivery|parcel|bill|payment|upi|account|app|software|dispatch|appointment|"
    r"slot|technician|mistri)\b", "ऑर्डर", "डिलीवरी", "पेमेंट", "इंटरनेट", "अकाउंट", "बिल",
    "طلب", "مندوب", "توصيل", "شحن", "فاتوره", "دفع", "تحويل", "حول", "المبلغ", "بطاقه", "حساب",
    "تطبيق", "موقع", "نظام", "موعد", "حجز", "فني", "عقد", "اشتراك", "رخصه",
    r"\b(?:el order|el app|el system|el website|el mandoob|el card)\b",
])

# News that asks for nothing: "FYI", "heads up", "just letting you know", "para info".
FYI = any_of([
    r"\bfyi\b", r"\bheads up\b", r"\bjust letting you know\b", r"\bfor your information\b",
    r"\bfor info\b", r"\bso avisando\b", r"\bpara (?:sua )?informacao\b", r"\bles comento\b",
    r"\bos aviso\b", r"\bpara (?:tu|su) informacion\b", r"\bzur info\b", r"\bkurze info\b",
    r"\bpour info\b", r"\bpetite info\b", r"\bper info(?:rmazione)?\b", r"\binfo ya\b",
    r"^info\b", r"\bbata (?:du|dun|raha)\b", "सूचना", "للعلم", "للاحاطه",
])

# The contact has done their part: "paid", "here is the receipt", "transfer done".
ROUTINE = any_of([
    r"\b(?:here'?s|here is|attached|sent) (?:the )?(?:payment )?(?:receipt|transfer|proof)\b",
    r"^(?:paid|pago|pague|payed)[^\w]*$", r"\bsent the transfer\b",
    r"\b(?:segue|anexo) (?:o )?comprovante\b", r"\btransferencia feita\b", r"\bja paguei\b",
    r"\badjunto comprobante\b", r"\b(?:le dejo|te dejo|aqui esta) el comprobante\b",
    r"\bya (?:quedo )?pag(?:ue|ado)\b", r"\banbei (?:der|den|die) (?:\w+)?beleg\b",
    r"\b(?:hab|habe) (?:uberwiesen|bezahlt)\b", r"\buberweisung ist raus\b",
    r"\bci-joint le justificatif\b", r"\becco la ricevuta\b", r"\bho pagato con bonifico\b",
    r"\bbukti transfer\w*\b", r"\bpayment (?:ho gaya|bhej diya|kar diya)\b",
    r"\bscreenshot (?:bhej diya|upar|dekh lo)\b", "تم الدفع", "تم التحويل", "ايصال التحويل",
    r"حولت (?:لكم|لك)", r"\b(?:hab|habe)\b[^.!?]{0,20}\b(?:uberwiesen|bezahlt)\b",
    r"\bbeleg anbei\b",
    r"\b(?:transfer\w*|transferencia|pix|paise|payment|pagamento|paiement|bonifico|pembayaran)\s+"
    r"(?:\w+\s+)?(?:sent|done|made|hecha|hecho|feita|feito|enviad[oa]|realizad[oa]|erledigt|"
    r"effectue|fatto|kar diye|kar diya)\b", "حولت المبلغ",
    r"\b(?:sin (?:novedad|problemas)|sem problemas?|no problems?|without (?:any )?problems?|"
    r"ohne probleme|sans (?:souci|probleme)|senza problemi|tanpa masalah|bina problem)\b",
    "بدون مشاكل", "ما في مشاكل",
    # it came and all is well
    r"\b(?:all good|tudo certo|tudo ok|todo bien|todo ok|alles gut|alles ok|tout va bien|"
    r"tutto (?:ok|bene|a posto)|aman|sab theek|sab badhiya)\b", "تمام",
])

# Good news and plans need nothing: it arrived, it is done, "I'll pick it up tomorrow".
# (A problem in the same message, "arrived broken", is a risk cue and wins.)
SETTLED = any_of([
    r"\b(?:received|arrived|came|delivered|done|finished|completed|renewed|booked|picked up|"
    r"all set|on (?:holiday|vacation|leave))\b",
    r"\b(?:recebi|recebid[oa]|chegou|chegaram|entregue|pronto|feito|terminou|conclui\w*|"
    r"de ferias)\b",
    r"\b(?:llego|llegaron|recibi|recibido|entregado|listo|termino|terminado|de vacaciones)\b",
    r"\b(?:angekommen|erhalten|geliefert|erledigt|fertig|im urlaub)\b",
    r"\b(?:recu|arrivee?s?|livree?s?|termine|en vacances)\b",
    r"\b(?:arrivat[oaie]|ricevut[oaie]|consegnat[oaie]|finito|fatto|in ferie)\b",
    r"\b(?:sudah (?:sampai|diterima|selesai|datang)|udah (?:sampai|datang|selesai)|cuti)\b",
    r"\b(?:aa gaya|aa gayi|mil gaya|mil gayi|pahunch gaya|ho gaya|ho gayi|chutti)\b",
    "وصل", "استلمت", "خلص", "تم ",
    # plans of the sender
    r"\b(?:i'?ll|i will|we'?ll|i'?m going to|gonna)\b", r"\b(?:vou|vamos|passo|pego|busco)\b",
    r"\b(?:voy a|vamos a|paso a|recojo)\b", r"\bich (?:hole|komme|schicke|mache|werde)\b",
    r"\bje (?:passerai|viendrai|vais|ferai|enverrai)\b",
    r"\b(?:passo|vengo|faccio) (?:\w+ )?domani\b",
    r"\b\w+(?:unga|ungi|enge)\b", r"\b(?:nanti|besok) (?:saya|aku)\b",
    r"\b(?:nice|cool|lindo|bonito|schon|joli|bello|bagus|acha|achha)\b", "حلو",
])
# Laughter and the weather: chit-chat, evidence that a message needs nothing (folding turns
# "kkkkk" into "k" and Arabic "ههههه" into one letter, so those are not counted).
CHATTER = any_of([
    r"\b(?:(?:ha){2,}h?|(?:ja){2,}|(?:je){2,}|(?:he){2,}|(?:ah){2,}|kk|lol|lmao|rofl|mdr|"
    r"wk(?:wk)+|xd)\b",
    r"\b(?:weather|so hot|calor|chaleur|caldo|hitze|panas banget|mausam|weekend|fim de semana|"
    r"wochenende|week-end|fine settimana|akhir pekan)\b",
    r"\b(?:what a|quelle|que|che|was fur ein)\s+(?:\w+\s+)?(?:day|journee|giornata|dia|tag|"
    r"traumwetter|wetter)\b",
])
# fmt: on

# The shape of a problem story: a negation, a contrast, time gone by, "still", "again".
# A report about an order or a system counts only with one of these ("the courier still has
# not come"), not "my brother will collect the order tomorrow".
# fmt: off
PROBLEM_MARKER = any_of([
    r"\b(?:not|n't|no|never|nothing|nobody|without|nao|nem|nada|ninguem|sem|ni|nadie|sin|nunca|"
    r"nicht|kein\w*|nie|nichts|niemand|ohne|pas|rien|personne|sans|jamais|non|niente|nessuno|"
    r"senza|mai|tidak|gak|ga|nggak|belum|tanpa|bukan|nahi|nahin|bina|mesh|mafeesh|msh)\b",
    r"\b(?:but|mas|pero|aber|mais|tapi|lekin|magar|although|obwohl|aunque|embora|jabki|"
    r"alors que)\b",
    r"\b(?:since|ago|desde|faz|hace|seit|vor|depuis|fa|dari|sejak|lalu|pehle|still|again|yet|"
    r"ainda|de novo|todavia|otra vez|de nuevo|wieder|noch|encore|toujours|ancora|di nuovo|lagi|"
    r"masih|phir|abhi tak|do nada)\b",
    r"(?:^|\s)(?:ما|مش|مو|لا|لم|بدون|محد|ماحد|بس|لكن|للحين|لسه|لسا|من ساع|من امس|من الصبح|صار له)",
    "नहीं", "बिना", "लेकिन", "अभी तक",
])
# fmt: on
