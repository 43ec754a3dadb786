{# `x` rounded to as many significant digits as the figure it comes from was printed with: a conversion or a
   quotient cannot be more precise than its printed input, and 24157506.945283245 US$ from "over 200 million
   yuan" reads as 24200000. `printed_value` is the number as printed, `decimals` its digits after the point
   ("50.06": 4 significant digits); `extra` keeps that many more digits (a recomputed value shown beside the
   printed one). The exact value stays in its own column wherever this is used. #}
{% macro as_printed_precision(x, printed_value, decimals, extra=0) -%}
    case
        when {{ x }} is null or {{ x }} = 0 or not isfinite({{ x }}) or coalesce({{ printed_value }}, 0) = 0
            then {{ x }}
        else round(
            {{ x }},
            cast(
                greatest(floor(log10(abs({{ printed_value }}))) + 1 + coalesce({{ decimals }}, 0), 1)
                + {{ extra }} - 1 - floor(log10(abs({{ x }})))
                as integer
            )
        )
    end
{%- endmacro %}
