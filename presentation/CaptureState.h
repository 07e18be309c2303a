// What the capture is doing, as the tray and the browser show it.
#pragma once

#include <QMetaType>

namespace ea {

enum class CaptureState
{
    Stopped,      // not capturing (the user stopped it, or it never started)
    Connecting,   // capturing, first connection to the dashboard not made yet
    Reconnecting, // capturing, the connection was lost and is being retried
    Capturing,    // capturing and connected
    Error         // something needs the user: storage unwritable, host refused, ...
};

} // namespace ea

Q_DECLARE_METATYPE(ea::CaptureState)
