{# A printed literal as an analyst reads it: the source files keep the text's own markup (a Markdown escape
   `US\$`, an HTML superscript `10<sup>8</sup>`) so that the literal is found verbatim in the document; the
   analyst views show `US$` and `10^8`, and keep the verbatim literal in a column named as printed. #}
{% macro plain_text(literal) -%}
    trim(regexp_replace(
        regexp_replace(
            regexp_replace({{ literal }}, '\\([\\`*_{}\[\]()#+.!$%&-])', '\1', 'g'),
            '<sup>\s*([^<]*?)\s*</sup>', '^\1', 'gi'
        ),
        '<[^>]+>', '', 'g'
    ))
{%- endmacro %}
