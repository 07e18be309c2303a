// Reads what a session document needs from one held event's bytes, as slices of those bytes.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <string_view>

namespace ea {

// simdjson On Demand over a padded copy: nothing is rebuilt, so numbers keep their digits.
// The slices stay valid until the next read() on the same object. Not thread-safe; one per
// thread.
class HeldPayload
{
public:
    HeldPayload();
    ~HeldPayload();
    HeldPayload(const HeldPayload&) = delete;
    HeldPayload& operator=(const HeldPayload&) = delete;

    // false when the bytes are not a JSON object.
    bool read(QByteArrayView raw);

    // The hook's own fields: the wrapper's "data" object, or the whole payload of a raw hook.
    std::string_view data() const { return m_data; }
    QString correlationId() const { return m_correlationId; }
    // A tool call's input (data.tool_parameters, data.tool_input, tool_input) and a result's
    // output (data.result_summary, data.tool_response, data.tool_output, tool_response): the
    // first non-empty object, or empty.
    std::string_view toolInput() const { return m_input; }
    std::string_view toolOutput() const { return m_output; }
    // Where the slices above point: a copy of the bytes read, so v.data() - base() is an
    // offset into them.
    const char* base() const { return m_padded.constData(); }

private:
    struct Parser;
    Parser* m_parser;
    QByteArray m_padded;
    std::string_view m_data;
    std::string_view m_input;
    std::string_view m_output;
    QString m_correlationId;
};

} // namespace ea
