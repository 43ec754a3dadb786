{# Every non-null value lies in [min_value, max_value]; either bound may be omitted. #}
{% test within_range(model, column_name, min_value=none, max_value=none, where_sql=none) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  {% if where_sql %}and ({{ where_sql }}){% endif %}
  and (
    false
    {% if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
  )
{% endtest %}
