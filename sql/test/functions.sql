-- The registered functions (ext/functions.h): argument counts, kind
-- (scalar, aggregate, window), deterministic, innocuous; and rnn_version().
SELECT name, narg, type, (flags & 0x800) != 0, (flags & 0x200000) != 0
FROM pragma_function_list WHERE name LIKE 'rnn%' ORDER BY 1, 2;
SELECT name FROM pragma_module_list WHERE name LIKE 'rnn%' ORDER BY 1;
SELECT rnn_version();
SELECT json_extract(rnn_debug(), '$.version') = rnn_version(), json_extract(rnn_debug(), '$.format_version'),
       json_extract(rnn_debug(), '$.simd') IN ('avx512f', 'avx2+fma', 'portable C'),
       json_type(rnn_debug(), '$.compiler'), json_type(rnn_debug(), '$.sqlite_runtime');
