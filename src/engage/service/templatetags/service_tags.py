from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.912 -> '91.2%'; None -> '–'."""
    if value is None or value == "":
        return "–"
    return f"{100 * float(value):.{int(digits)}f}%"


@register.filter
def secs(value) -> str:
    if value is None or value == "":
        return "–"
    return f"{float(value):.1f} s"


@register.filter
def num(value, digits: int = 0) -> str:
    if value is None or value == "":
        return "–"
    return f"{float(value):,.{int(digits)}f}"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
