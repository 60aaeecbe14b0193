"""Order, invoice and ticket numbers and money amounts as written in messages."""

from __future__ import annotations

import re

_REF_KINDS = {
    "order": "order",
    "pedido": "order",
    "orden": "order",
    "bestellung": "order",
    "auftrag": "order",
    "commande": "order",
    "ordine": "order",
    "pesanan": "order",
    "invoice": "invoice",
    "fatura": "invoice",
    "factura": "invoice",
    "rechnung": "invoice",
    "facture": "invoice",
    "fattura": "invoice",
    "nota fiscal": "invoice",
    "boleto": "invoice",
    "ticket": "ticket",
    "chamado": "ticket",
    "protocolo": "ticket",
    "case": "ticket",
}
_REF = re.compile(
    r"(?i)\b(" + "|".join(_REF_KINDS) + r")\b\s*(?:n[.º°o]\s*|no\.?\s*|number\s*|numero\s*|"
    r"número\s*|nr\.?\s*|nummer\s*)?[:#]?\s*#?([A-Z]{1,5}-?\d[\w-]*|\d{2,}[\w-]*)"
)
_HASH_REF = re.compile(r"(?<![\w&])#(\d{3,})\b")
_MONEY = re.compile(
    r"(?i)(?:R\$|US\$|\$|€|£|₹|\bRp\.?|\b(?:USD|EUR|BRL|GBP|MXN|ARS|INR|IDR)\b)\s?\d(?:[\d.,]*\d)?"
    r"(?:\s?(?:k|mil)\b)?"
    r"|\b\d(?:[\d.,]*\d)?\s?(?:€|\b(?:USD|EUR|BRL|reais|dollars|euros?|pesos|rs|rupees|riyals?)\b)"
)


def find_refs(text: str) -> list[str]:
    """Return order, invoice and ticket numbers as labels such as "invoice #4521"."""
    refs = [f"{_REF_KINDS[m[1].lower()]} #{m[2].lstrip('#')}" for m in _REF.finditer(text)]
    known = {r.split("#", 1)[1] for r in refs}
    refs += [f"ref #{m[1]}" for m in _HASH_REF.finditer(text) if m[1] not in known]
    return list(dict.fromkeys(refs))


def find_money(text: str) -> list[str]:
    """Return money amounts as written ("R$ 1.500,00", "€50", "200 USD")."""
    return list(dict.fromkeys(" ".join(m.group(0).split()) for m in _MONEY.finditer(text)))
