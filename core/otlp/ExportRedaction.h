// The one place a session document is redacted before it leaves the machine (export, forwarding).
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace ea {

class ExportRedaction
{
public:
    // The document's text with secrets inside its JSON strings replaced.
    static QByteArray apply(QByteArrayView json);
};

} // namespace ea
