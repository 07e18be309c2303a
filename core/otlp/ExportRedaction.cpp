#include "otlp/ExportRedaction.h"

namespace ea {

QByteArray ExportRedaction::apply(QByteArrayView json)
{
    // Until core/redaction lands: the text as it is.
    return json.toByteArray();
}

} // namespace ea
