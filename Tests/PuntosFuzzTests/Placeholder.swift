// Filled by the fuzz test.
