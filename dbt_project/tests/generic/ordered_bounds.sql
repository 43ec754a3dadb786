{# low <= column <= high on every row where all three are present. #}
{% test ordered_bounds(model, column_name, low, high) %}
select {{ low }}, {{ column_name }}, {{ high }}
from {{ model }}
where {{ low }} > {{ column_name }} or {{ column_name }} > {{ high }}
{% endtest %}
