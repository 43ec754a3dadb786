{# The model has exactly as many rows as another relation: nothing lost, nothing duplicated on the way. #}
{% test equal_row_count(model, compare_model) %}
with counts as (
    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ compare_model }}) as compare_rows
)
select * from counts where model_rows <> compare_rows
{% endtest %}
