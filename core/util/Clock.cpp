#include "util/Clock.h"

namespace ea {

Clock::~Clock() = default;

} // namespace ea

#include "moc_Clock.cpp"
