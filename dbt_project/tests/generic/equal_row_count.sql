{# The model has exactly as many rows as another relation: nothing lost, nothing duplicated on the way. Both are
   looked at through the test's filter: for a model held by document, the rows of the documents the run rebuilt. #}
{% test equal_row_count(model, compare_model) %}
with counts as (
    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ get_where_subquery(compare_model) }}) as compare_rows
)
select * from counts where model_rows <> compare_rows
{% endtest %}
