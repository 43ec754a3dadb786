{{ config(materialized='view') }}
-- Each fact's statements compared in one currency (macros/figure_statements.sql): the view SQL users and the
-- full builds read; an incremental run's marts compare the statements of the facts they recompute only.
{{ figure_statements() }}
