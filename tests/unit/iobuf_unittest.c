/*
 * iobuf_unittest.c - the engine's iobuf.c, built here with UNITTEST so
 * test_iobuf can watch what goes back to the allocator.
 */
#include "iobuf.c"
