{# Most groups of the model's rows agree: of the groups (`group_by`) with a row to judge (`judged`), at least the
   share `at_least` have every judged row meeting `condition`. A proportion, not a rule every row keeps: when it
   fails, each group that does not agree is a failed row, naming the rows of it (`listed`) that do not meet it.
   Through the test's filter: for a model held by document, the rows of the documents the run rebuilt. #}
{% test mostly_agree(model, group_by, condition, judged, listed, at_least) %}
with groups as (
    select
        {{ group_by }} as group_key,
        bool_and({{ condition }}) as agrees,
        string_agg({{ listed }}, ', ' order by {{ listed }}) filter (where not ({{ condition }})) as not_agreeing
    from {{ model }}
    where {{ judged }}
    group by {{ group_by }}
)

select group_key, not_agreeing
from groups
where not agrees and (select avg(agrees::integer) from groups) < {{ at_least }}
{% endtest %}
