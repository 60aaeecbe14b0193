"""Simulated operations-desk WhatsApp traffic, deterministic for a seed.

`generate` yields traffic records (records.py) as a real desk would see them: customers in four
languages (en, pt-BR, es, de) and a few group chats report outages, ask for invoices and
deliveries, complain, thank and chat, send photos and voice notes; the team answers (from_me),
sends invoice PDFs, and customers react, edit and occasionally revoke. Media records name real
small files by their hash (webapp.media.samples; the caller puts them in the media store).
Receipts follow every team reply. Some customers switch to LID addressing after their first
conversation (with sender_alt/chat_alt set).
Several conversations run at once and interleave; arrivals are a Poisson process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

from webapp.media import samples
from webapp.messaging.records import Record, record_to_json, validate_record

DEFAULT_DEVICE_JID = "15550100001@s.whatsapp.net"
TEAM_NAME = "Ops Desk"
LANGS = ("en", "pt", "es", "de")
CATEGORIES = ("outage", "invoice", "delivery", "complaint", "thanks", "smalltalk")
_WEIGHTS = (3, 3, 3, 2, 2, 1)

_PHRASES = """
en|outage|URGENT: the {device} at {site} is down since {time}, nothing works!
en|outage|Our whole {site} is offline, {device} shows error E{code}. Please send someone ASAP
en|outage_r|On it, {name}. A technician is on the way to {site}, ETA 45 min.
en|invoice|Hi, can you send me invoice {invoice}? Accounting needs it today.
en|invoice|We paid {amount} yesterday for {invoice}, can you confirm the payment?
en|invoice_r|Here is invoice {invoice} ({amount}). Let us know if anything is off.
en|delivery|Where is my order {order}? It was due yesterday.
en|delivery|Can you tell me when order {order} will arrive at {site}?
en|delivery_r|Order {order} left our warehouse this morning, arriving tomorrow before noon.
en|complaint|This is the third time the {device} fails this month. Really disappointed.
en|complaint|Nobody answered my call yesterday, I waited 40 minutes on hold.
en|complaint_r|Sorry about that, {name}. I escalated it to our team lead.
en|thanks|Thanks a lot, everything works again!
en|thanks|Great service today, thank you 🙏
en|thanks_r|Happy to help, {name}!
en|smalltalk|Good morning! Is the office open on Saturday?
en|smalltalk_r|Good morning {name}! Yes, Saturday 9–13h.
en|followup|Perfect, thanks!
en|oops|sorry wrong chat
en|plus|Same here at our end, please check
en|photo|Photo of the {device}, see the red light
pt|outage|URGENTE: o {device} da {site} parou desde as {time}, nada funciona!
pt|outage|A {site} inteira está sem sistema, o {device} mostra erro E{code}. Mandem alguém já
pt|outage_r|Já estamos vendo, {name}. Um técnico está a caminho da {site}, chega em 45 min.
pt|invoice|Oi, pode me mandar a nota fiscal {invoice}? O financeiro precisa hoje.
pt|invoice|Pagamos {amount} ontem referente à {invoice}, podem confirmar?
pt|invoice_r|Segue a fatura {invoice} ({amount}). Qualquer dúvida é só chamar.
pt|delivery|Cadê meu pedido {order}? Era pra chegar ontem.
pt|delivery|Quando o pedido {order} chega na {site}?
pt|delivery_r|O pedido {order} saiu hoje cedo, chega amanhã até o meio-dia.
pt|complaint|É a terceira vez no mês que o {device} quebra. Muito decepcionado.
pt|complaint|Ninguém atendeu ontem, fiquei 40 minutos esperando.
pt|complaint_r|Desculpe, {name}. Já escalei para o nosso coordenador.
pt|thanks|Muito obrigado, voltou tudo a funcionar!
pt|thanks|Atendimento nota 10, valeu 🙏
pt|thanks_r|Por nada, {name}!
pt|smalltalk|Bom dia! Vocês abrem no sábado?
pt|smalltalk_r|Bom dia, {name}! Sim, sábado das 9h às 13h.
pt|followup|Perfeito, obrigado!
pt|oops|desculpa, conversa errada
pt|plus|Aqui também, por favor verifiquem
pt|photo|Foto do {device}, olha a luz vermelha
es|outage|URGENTE: el {device} de {site} no funciona desde las {time}
es|outage|Toda la {site} está sin sistema, el {device} da error E{code}. Manden a alguien ya
es|outage_r|Lo estamos viendo, {name}. Un técnico va camino a {site}, llega en 45 min.
es|invoice|Hola, ¿me pueden enviar la factura {invoice}? Contabilidad la necesita hoy.
es|invoice|Pagamos {amount} ayer por la {invoice}, ¿pueden confirmar el pago?
es|invoice_r|Aquí está la factura {invoice} ({amount}). Cualquier cosa nos dice.
es|delivery|¿Dónde está mi pedido {order}? Tenía que llegar ayer.
es|delivery|¿Cuándo llega el pedido {order} a {site}?
es|delivery_r|El pedido {order} salió esta mañana, llega mañana antes del mediodía.
es|complaint|Es la tercera vez este mes que falla el {device}. Muy decepcionado.
es|complaint|Nadie contestó ayer, esperé 40 minutos.
es|complaint_r|Lo siento, {name}. Ya lo escalé a nuestro responsable.
es|thanks|¡Muchas gracias, ya funciona todo!
es|thanks|Excelente servicio hoy, gracias 🙏
es|thanks_r|¡Con gusto, {name}!
es|smalltalk|¡Buenos días! ¿Abren el sábado?
es|smalltalk_r|¡Buenos días, {name}! Sí, el sábado de 9 a 13h.
es|followup|¡Perfecto, gracias!
es|oops|perdón, chat equivocado
es|plus|Aquí igual, por favor revisen
es|photo|Foto del {device}, miren la luz roja
de|outage|DRINGEND: {device} in {site} ist seit {time} ausgefallen, nichts geht mehr!
de|outage|Die ganze {site} ist offline, {device} zeigt Fehler E{code}. Bitte sofort Hilfe schicken
de|outage_r|Wir sind dran, {name}. Ein Techniker ist unterwegs zur {site}, ca. 45 Min.
de|invoice|Hallo, können Sie mir die Rechnung {invoice} schicken? Die Buchhaltung braucht sie heute
de|invoice|Wir haben gestern {amount} für {invoice} überwiesen, können Sie das bestätigen?
de|invoice_r|Anbei die Rechnung {invoice} ({amount}). Melden Sie sich bei Fragen.
de|delivery|Wo bleibt meine Bestellung {order}? Sie sollte gestern kommen.
de|delivery|Wann kommt die Bestellung {order} in der {site} an?
de|delivery_r|Bestellung {order} hat heute früh das Lager verlassen, kommt morgen vor 12 Uhr.
de|complaint|Schon das dritte Mal diesen Monat, dass {device} ausfällt. Sehr enttäuschend.
de|complaint|Gestern ging niemand ans Telefon, ich habe 40 Minuten gewartet.
de|complaint_r|Das tut mir leid, {name}. Ich habe es an unsere Teamleitung eskaliert.
de|thanks|Vielen Dank, alles läuft wieder!
de|thanks|Super Service heute, danke 🙏
de|thanks_r|Gern geschehen, {name}!
de|smalltalk|Guten Morgen! Haben Sie am Samstag geöffnet?
de|smalltalk_r|Guten Morgen {name}! Ja, samstags 9–13 Uhr.
de|followup|Perfekt, danke!
de|oops|sorry, falscher Chat
de|plus|Bei uns auch, bitte prüfen
de|photo|Foto vom {device}, siehe rote Lampe
"""
_NAMES = {
    "en": "Olivia Carter,James Miller,Priya Shah,Tom Becker,Grace Lee,Daniel Brooks",
    "pt": "Ana Souza,João Pereira,Mariana Costa,Rafael Lima,Beatriz Alves,Lucas Rocha",
    "es": "Lucía García,Javier Moreno,Carmen Ruiz,Diego Fernández,Sofía Navarro",
    "de": "Lena Schmidt,Jonas Weber,Katrin Hoffmann,Felix Wagner,Miriam Braun",
}
_SITES = {
    "en": "North warehouse,Main St store,Riverside clinic",
    "pt": "loja Centro,filial Paulista,clínica Savassi",
    "es": "tienda Valencia,sucursal Centro,clínica Norte",
    "de": "Filiale München,Zentrale Hamburg,Praxis Köln",
}
_GROUPS = {"en": "Warehouse North – Ops", "pt": "Loja Centro – Operações",
           "de": "Filiale München – Technik"}
_DEVICES = ("POS terminal", "card reader", "router", "label printer", "scanner")
_REACTIONS = ("👍", "🙏", "❤️", "😂", "👌")
Step = dict[str, Any]  # the fields of one record, before its timestamp is known


def _load_phrases() -> dict[tuple[str, str], list[str]]:
    table: dict[tuple[str, str], list[str]] = {}
    for row in _PHRASES.strip().splitlines():
        lang, key, text = row.split("|", 2)
        table.setdefault((lang, key), []).append(text)
    return table


PHRASES = _load_phrases()


@dataclass
class _Person:
    name: str
    lang: str
    phone: str
    lid: str | None
    conversations: int = 0

    def addressing(self) -> dict[str, Any]:
        """Sender fields; LID-capable people switch to LID after their first conversation."""
        if self.lid and self.conversations > 0:
            return {"sender": self.lid, "sender_alt": self.phone}
        return {"sender": self.phone}


def _cast() -> list[_Person]:
    """The customers, the same for every seed (so a simulator device's address book, which
    knows no seed, names them): numbers in their country's format, a third also on LIDs."""
    rng = Random(CAST_SEED)
    people = []
    for lang in LANGS:
        for name in _NAMES[lang].split(","):
            prefix, length = {"en": ("1" + rng.choice(("212", "415", "617")) + "55501", 11),
                              "pt": ("55" + rng.choice(("11", "21", "31")) + "9", 13),
                              "es": ("346", 11), "de": ("49151", 13)}[lang]
            phone = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix)))
            lid = f"{rng.randrange(10**13, 10**15)}@lid" if rng.random() < 0.35 else None
            people.append(_Person(name, lang, f"{phone}@s.whatsapp.net", lid))
    return people


CAST_SEED = 2026
CAST = _cast()


def address_book() -> list[tuple[str, str, str]]:
    """The team phone's address book: (phone JID, the name saved on the phone, the person's
    WhatsApp name) for every customer of the cast, whether they wrote yet or not. Saved names
    carry the customer's site, as a desk's phone would ("Olivia Carter (North warehouse)")."""
    rng = Random(CAST_SEED + 1)
    return [(p.phone, f"{p.name} ({rng.choice(_SITES[p.lang].split(','))})", p.name)
            for p in CAST]


class _Desk:
    """The cast and the dice: builds conversations as lists of record fields (no timestamps)."""

    def __init__(self, seed: int, device_jid: str) -> None:
        self.rng = Random(seed)
        self.device_jid = device_jid
        self.people = [replace(p) for p in CAST]  # their own conversation counters
        self.groups = [self._group(lang) for lang in _GROUPS]

    def _digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def _group(self, lang: str) -> tuple[str, str, list[_Person]]:
        members = self.rng.sample([p for p in self.people if p.lang == lang], 3)
        return f"120363{self._digits(12)}@g.us", _GROUPS[lang], members

    def wa_id(self, from_me: bool) -> str:
        """A WhatsApp-looking message id: web/desktop style for the team, phone style else."""
        if from_me:
            return f"3EB0{self.rng.getrandbits(72):018X}"
        return f"{self.rng.getrandbits(128):032X}"

    def _values(self, person: _Person) -> dict[str, str]:
        rng = self.rng
        amount = f"{rng.randrange(4_000, 900_000) / 100:,.2f}"
        if person.lang != "en":
            amount = amount.replace(",", "_").replace(".", ",").replace("_", ".")
        money = {"en": f"${amount}", "pt": f"R$ {amount}"}.get(person.lang, f"{amount} €")
        return {
            "name": person.name.split()[0],
            "site": rng.choice(_SITES[person.lang].split(",")),
            "device": rng.choice(_DEVICES),
            "time": f"{rng.randrange(6, 11)}:{rng.choice(('05', '20', '45'))}",
            "code": str(rng.randrange(100, 999)),
            "invoice": f"INV-2026-{rng.randrange(1, 99999):05d}",
            "amount": money,
            "order": f"#A{rng.randrange(10000, 99999)}",
        }

    def say(self, lang: str, key: str, values: dict[str, str]) -> str:
        """Pick a phrase of this language and key and fill in the scenario's values."""
        return self.rng.choice(PHRASES[(lang, key)]).format(**values)

    def thread(self) -> list[Step]:
        """Start one new conversation: a direct chat (mostly) or a group chat."""
        if self.rng.random() < 0.2:
            return self._group_thread()
        person = self.rng.choice(self.people)
        chat = person.addressing()
        base = {"chat": chat["sender"], "chat_alt": chat.get("sender_alt")}
        person.conversations += 1
        return self._direct_thread(person, {**base, **chat, "sender_name": person.name})

    def _direct_thread(self, person: _Person, who: dict[str, Any]) -> list[Step]:
        rng, lang = self.rng, person.lang
        category = rng.choices(CATEGORIES, _WEIGHTS)[0]
        values = self._values(person)
        steps: list[Step] = []
        if rng.random() < 0.3:
            steps.append({**who, "kind": "presence", "state": "composing"})
        opener = self._opener(who, lang, category, values)
        steps.append(opener)
        if category in ("outage", "delivery", "complaint") and rng.random() < 0.35:
            steps.append(self._voice_note(who))
        if category in ("invoice", "delivery") and rng.random() < 0.3:
            fresh = self._values(person)  # the customer corrects the number they typed
            text = str(opener["text"]).replace(values["invoice"], fresh["invoice"])
            steps.append({**who, "kind": "edit", "id": self.wa_id(False), "target_id": opener["id"],
                          "text": text.replace(values["order"], fresh["order"])})
        if rng.random() < 0.06:
            oops = {**who, "kind": "message", "id": self.wa_id(False),
                    "text": self.say(lang, "oops", values)}
            steps += [oops, {**who, "kind": "revoke", "id": self.wa_id(False),
                             "target_id": oops["id"]}]
        steps += self._team_reply(who, [who], lang, category, values, opener["id"])
        return steps

    def _opener(self, who: dict[str, Any], lang: str, category: str,
                values: dict[str, str]) -> dict[str, Any]:
        text = self.say(lang, category, values)
        record = {**who, "kind": "message", "id": self.wa_id(False), "text": text}
        if category in ("outage", "complaint") and self.rng.random() < 0.4:
            caption = f"{text}\n{self.say(lang, 'photo', values)}"
            photo = self.rng.choice(samples.PHOTOS)  # real bytes, in the store by their hash
            record.update(text=None, media=photo.media(caption))
        return record

    def _voice_note(self, who: dict[str, Any]) -> dict[str, Any]:
        return {**who, "kind": "message", "id": self.wa_id(False), "text": None,
                "media": samples.VOICE_NOTE.media()}

    def _team_reply(self, who: dict[str, Any], readers: list[Step], lang: str,
                    category: str, values: dict[str, str], quoted: str) -> list[Step]:
        rng = self.rng
        chat = {"chat": who["chat"], "chat_alt": who.get("chat_alt"),
                "chat_name": who.get("chat_name")}
        team = {**chat, "sender": self.device_jid, "sender_name": TEAM_NAME, "from_me": True}
        reply = {**team, "kind": "message", "id": self.wa_id(True),
                 "text": self.say(lang, f"{category}_r", values),
                 "quoted_id": quoted if len(readers) > 1 or rng.random() < 0.5 else None}
        if category == "invoice" and rng.random() < 0.6:
            reply.update(text=None, media=samples.INVOICE.media(
                caption=reply["text"], filename=f"{values['invoice']}.pdf"))
        steps = [reply]
        for kind in ("delivered", "read"):
            steps += [{**r, **chat, "kind": "receipt", "target_ids": [reply["id"]], "type": kind}
                      for r in readers]
        if rng.random() < 0.4:
            steps.append({**readers[-1], **chat, "kind": "reaction", "id": self.wa_id(False),
                          "target_id": reply["id"], "emoji": rng.choice(_REACTIONS)})
        if rng.random() < 0.5:
            follow = {**who, "kind": "message", "id": self.wa_id(False),
                      "text": self.say(lang, "followup", values)}
            steps.append(follow)
            if rng.random() < 0.3:
                steps.append({**team, "kind": "reaction", "id": self.wa_id(True),
                              "target_id": follow["id"], "emoji": "👍"})
        return steps

    def _group_thread(self) -> list[Step]:
        chat, title, members = self.rng.choice(self.groups)
        first, second = self.rng.sample(members, 2)
        lang = first.lang
        values = self._values(first)
        base = {"chat": chat, "chat_name": title}
        who1 = {**base, **first.addressing(), "sender_name": first.name}
        who2 = {**base, **second.addressing(), "sender_name": second.name}
        category = self.rng.choice(("outage", "delivery", "outage", "complaint"))
        opener = self._opener(who1, lang, category, values)
        plus = {**who2, "kind": "message", "id": self.wa_id(False),
                "text": self.say(lang, "plus", values), "quoted_id": opener["id"]}
        reply = self._team_reply(who1, [who1, who2], lang, category, values, opener["id"])
        return [opener, plus, *reply]


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def generate(seed: int, *, start: datetime, count: int | None = None,
             duration_s: float | None = None, rate_per_s: float = 1.0,
             device_jid: str = DEFAULT_DEVICE_JID) -> Iterator[Record]:
    """Yield simulated traffic records; the same arguments always give the same records."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if rate_per_s <= 0:
        raise ValueError("rate_per_s must be positive")
    desk = _Desk(seed, device_jid)
    active: list[list[Step]] = []
    elapsed, emitted = 0.0, 0
    while count is None or emitted < count:
        elapsed += desk.rng.expovariate(rate_per_s)
        if duration_s is not None and elapsed > duration_s:
            return
        if not active or (len(active) < 6 and desk.rng.random() < 0.3):
            active.append(desk.thread())
        index = desk.rng.randrange(len(active))
        fields = active[index].pop(0)
        if not active[index]:
            del active[index]
        stamp = start.astimezone(UTC) + timedelta(milliseconds=round(elapsed * 1000))
        yield validate_record(_clean({**fields, "timestamp": stamp, "device": device_jid}))
        emitted += 1


def write_file(path: str | Path, records: Iterable[Record]) -> int:
    """Write records as a JSON-lines traffic file; return how many were written."""
    written = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record_to_json(record) + "\n")
            written += 1
    return written


def run_live(sink: Callable[[list[Record]], Any], *, seed: int, rate_per_s: float = 1.0,
             duration_s: float | None = None, device_jid: str = DEFAULT_DEVICE_JID,
             batch_window_s: float = 0.25, clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep,
             now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> int:
    """Generate traffic in real time and hand it to `sink` in small batches; return the count.

    This is what `messageflow simulate` calls, with `sink` = ingest for the tenant's device.
    Records due within `batch_window_s` of each other go to the sink together.
    """
    origin, started = now(), clock()
    batch: list[Record] = []
    total = 0
    for record in generate(seed, start=origin, duration_s=duration_s,
                           rate_per_s=rate_per_s, device_jid=device_jid):
        due = (record.timestamp - origin).total_seconds()
        wait = due - (clock() - started)
        if batch and wait > batch_window_s:
            sink(batch)
            total, batch = total + len(batch), []
        if wait > 0:
            sleep(wait)
        batch.append(record)
    if batch:
        sink(batch)
        total += len(batch)
    return total
