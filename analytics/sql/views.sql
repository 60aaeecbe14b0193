-- DuckDB queries of analytics/views.py: the rows behind the views it registers on a cursor,
-- read from one tenant's Parquet files (values bound as $name parameters).

-- name: view_rows
-- The given Parquet files of one tenant (hive partition columns typed), filtered again to the
-- tenant and days: a second guard whatever a file holds. The partition columns are named last,
-- in this order, so that the monthly rows below line up with these in a union (which matches
-- columns by position; DuckDB appends hive columns in an order of its own).
select * exclude (tenant_id, date), tenant_id, date
from read_parquet($files, hive_partitioning = true,
                  hive_types = {'tenant_id': BIGINT, 'date': DATE})
where tenant_id = $tenant and date between $start and $end

-- name: view_provider_rows
-- The same for datasets with a provider: the local analyser (NULL provider_id) is provider 0.
select * exclude (tenant_id, date) replace (coalesce(provider_id, 0) as provider_id),
       tenant_id, date
from read_parquet($files, hive_partitioning = true,
                  hive_types = {'tenant_id': BIGINT, 'date': DATE})
where tenant_id = $tenant and date between $start and $end

-- name: view_monthly_rows
-- A tenant's monthly files (analytics.compact: the day is a column, the month in the path),
-- shaped like view_rows (same columns, same order) and filtered the same way. Its parameters
-- have their own names: the view is the union of both relations, and DuckDB refuses a union of
-- relations that bind a parameter of the same name.
select * exclude (tenant_id, date, month), tenant_id, date
from read_parquet($monthly_files, hive_partitioning = true,
                  hive_types = {'tenant_id': BIGINT, 'month': VARCHAR})
where tenant_id = $monthly_tenant and date between $monthly_start and $monthly_end

-- name: view_monthly_provider_rows
-- The same with the local analyser (NULL provider_id) as provider 0, like view_provider_rows
-- (parameters named as in view_monthly_rows).
select * exclude (tenant_id, date, month) replace (coalesce(provider_id, 0) as provider_id),
       tenant_id, date
from read_parquet($monthly_files, hive_partitioning = true,
                  hive_types = {'tenant_id': BIGINT, 'month': VARCHAR})
where tenant_id = $monthly_tenant and date between $monthly_start and $monthly_end
