"""The synthetic sources' indicator catalogue: each indicator, how its table cells are printed, and which printed
rows are an indicator with a measure (a growth rate or a share) rather than an indicator of their own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Printing:
    """How an indicator's table cells are printed: the unit label and what it reads as."""

    label: str  # unit_as_printed
    decimals: int
    scale: int
    unit: str
    currency: str = ""


CNY_1E8 = Printing("10 <sup>8</sup> yuan", 2, 8, "CNY", "CNY")
USD_1E8 = Printing("US$ 100 million", 2, 8, "USD", "USD")
JPY_1E8 = Printing("10 <sup>8</sup> yen", 2, 8, "JPY", "JPY")
CNY_1E4 = Printing("10 <sup>4</sup> yuan", 2, 4, "CNY", "CNY")
USD_1E6 = Printing("US$ million", 2, 6, "USD", "USD")
PERCENT = Printing("%", 2, 0, "percent")
PERSONS = Printing("", 0, 0, "persons")
FIRMS = Printing("", 0, 0, "firms")

# code, name, unit_kind, unit, additive, definition, printing, table row label
INDICATORS = [
    (
        "outsourcing_revenue",
        "Service outsourcing revenue",
        "currency",
        "currency",
        "true",
        "Service outsourcing revenue of the city, in yuan (synthetic).",
        CNY_1E8,
        "Outsourcing revenue",
    ),
    (
        "ito_revenue",
        "ITO revenue",
        "currency",
        "currency",
        "true",
        "Information technology outsourcing part of the revenue, in yuan (synthetic).",
        CNY_1E8,
        "ITO",
    ),
    (
        "bpo_revenue",
        "BPO revenue",
        "currency",
        "currency",
        "true",
        "Business process outsourcing part of the revenue, in yuan (synthetic).",
        CNY_1E8,
        "BPO",
    ),
    (
        "offshore_exports",
        "Offshore outsourcing exports",
        "currency",
        "currency",
        "true",
        "Offshore outsourcing exports of the city, in US dollars (synthetic).",
        USD_1E8,
        "Offshore exports",
    ),
    (
        "japan_orders",
        "Orders from Japan",
        "currency",
        "currency",
        "true",
        "Offshore orders received from Japan, in yen (synthetic).",
        JPY_1E8,
        "Orders from Japan",
    ),
    (
        "revenue_growth_pct",
        "Revenue growth",
        "growth",
        "percent",
        "false",
        "Growth of the service outsourcing revenue over the previous year, percent (synthetic).",
        PERCENT,
        "Growth",
    ),
    (
        "ito_share_pct",
        "ITO share of revenue",
        "percent",
        "percent",
        "false",
        "ITO revenue as a percentage of the service outsourcing revenue (synthetic).",
        PERCENT,
        "ITO share",
    ),
    (
        "outsourcing_employees",
        "Outsourcing employees",
        "count",
        "persons",
        "true",
        "Persons employed in service outsourcing in the city (synthetic).",
        PERSONS,
        "Employees",
    ),
    (
        "outsourcing_enterprises",
        "Outsourcing enterprises",
        "count",
        "firms",
        "true",
        "Service outsourcing enterprises in the city (synthetic).",
        FIRMS,
        "Enterprises",
    ),
    (
        "firm_sales",
        "Firm sales",
        "currency",
        "currency",
        "true",
        "Sales of the firm, in yuan (synthetic).",
        CNY_1E4,
        "Sales",
    ),
    (
        "firm_exports",
        "Firm exports",
        "currency",
        "currency",
        "true",
        "Exports of the firm, in US dollars (synthetic).",
        USD_1E6,
        "Exports",
    ),
    (
        "firm_employees",
        "Firm employees",
        "count",
        "persons",
        "true",
        "Persons employed by the firm (synthetic).",
        PERSONS,
        "Employees",
    ),
    (
        "firm_sales_growth_pct",
        "Firm sales growth",
        "growth",
        "percent",
        "false",
        "Growth of the firm's sales over the previous year, percent (synthetic).",
        PERCENT,
        "Sales growth",
    ),
]
INDICATOR = {row[0]: row for row in INDICATORS}
# A growth rate or share is its indicator with a measure (sources/measures.csv), as in the real sources: these
# rows above are how such a figure is printed, written as (indicator_code, measure), not as indicators.
MEASURED = {
    "revenue_growth_pct": ("outsourcing_revenue", "growth_pct"),
    "ito_share_pct": ("ito_revenue", "share_pct"),
    "firm_sales_growth_pct": ("firm_sales", "growth_pct"),
}
