#pragma once
// Returning freed heap memory to the system. glibc keeps what a large request's parse freed
// in its arenas, so without this an idle server holds the peak of its busiest moment.
// Thread-safe; costs a few milliseconds, so call it after large requests only.

namespace nmcp {

void release_free_memory();

}  // namespace nmcp
