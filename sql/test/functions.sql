-- The registered functions and their argument counts, and rnn_version().
SELECT name, narg FROM pragma_function_list WHERE name LIKE 'rnn%' ORDER BY 1, 2;
SELECT rnn_version();
