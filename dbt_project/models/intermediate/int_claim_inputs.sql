{{ config(materialized='table') }}
-- Every claim's inputs, parsed once: input_figure_ids "a;b+c" is operand 1 = a and operand 2 = b + c (operands
-- split by ';', a sum's members by '+'), one row per figure named. Of every claim written (stg_claims) or derived
-- (int_derived_claims), so that int_claims can compare their inputs; the models downstream join the claims they
-- hold by claim_id, and read the format nowhere else.
with claims as (
    select claim_id, document_id, input_figure_ids from {{ ref('stg_claims') }}
    union all
    select claim_id, document_id, input_figure_ids from {{ ref('int_derived_claims') }}
),

operands as (
    select
        claim_id,
        document_id,
        unnest(string_split(input_figure_ids, ';')) as operand,
        unnest(range(1, len(string_split(input_figure_ids, ';')) + 1)) as position
    from claims
)

select
    claim_id,
    document_id,
    position,
    len(string_split(operand, '+')) > 1 as in_a_sum,
    trim(unnest(string_split(operand, '+'))) as figure_id
from operands
