#include "aggregation/HeldPayload.h"

#include "model/HookFields.h"

#include <simdjson.h>

#include <array>
#include <cstring>

namespace ea {

namespace {

namespace hook = ea::hook;

bool isEmptyObject(std::string_view object)
{
    for (size_t i = 1; i < object.size(); ++i) {
        const char c = object[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return c == '}';
    }
    return true;
}

// The fields one object level holds that a document needs.
struct Level
{
    std::string_view data;
    std::string_view toolInput;
    std::string_view toolParameters;
    std::string_view toolResponse;
    std::string_view toolOutput;
    std::string_view resultSummary;
    std::array<QString, 3> correlation; // correlation_id, tool_use_id, tool_call_id
};

bool readFields(simdjson::ondemand::document& doc, simdjson::ondemand::object& object, Level* level,
                Level* inner);

// The wrapper's "data" object read in the same pass as the wrapper (one stage 1 over the
// bytes, not two): its fields into *inner, its text into level->data.
bool readInner(simdjson::ondemand::document& doc, simdjson::ondemand::value& value, Level* level,
               Level* inner)
{
    std::string_view token = value.raw_json_token();
    simdjson::ondemand::object object;
    if (token.empty() || value.get_object().get(object))
        return false;
    *inner = Level(); // of two "data" members the last counts
    if (!readFields(doc, object, inner, nullptr))
        return false;
    // Iterated to its end, the document stands at the wrapper's next "," or "}".
    const char* end = nullptr;
    if (doc.current_location().get(end) || end <= token.data())
        return false;
    std::string_view text(token.data(), size_t(end - token.data()));
    while (!text.empty() && text.back() != '}')
        text.remove_suffix(1);
    level->data = text;
    return !text.empty();
}

bool readFields(simdjson::ondemand::document& doc, simdjson::ondemand::object& object, Level* level,
                Level* inner)
{
    for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key))
            return false;
        simdjson::ondemand::value value = field.value();
        simdjson::ondemand::json_type type;
        if (value.type().get(type))
            return false;
        if (type == simdjson::ondemand::json_type::object) {
            if (inner && key == hook::data) {
                if (!readInner(doc, value, level, inner))
                    return false;
                continue;
            }
            std::string_view* slot = key == hook::data             ? &level->data
                                     : key == hook::toolInput      ? &level->toolInput
                                     : key == hook::toolParameters ? &level->toolParameters
                                     : key == hook::toolResponse   ? &level->toolResponse
                                     : key == hook::toolOutput     ? &level->toolOutput
                                     : key == hook::resultSummary  ? &level->resultSummary
                                                                   : nullptr;
            if (slot) {
                simdjson::ondemand::object o;
                if (value.get_object().get(o) || o.raw_json().get(*slot))
                    return false;
            }
        } else if (type == simdjson::ondemand::json_type::string) {
            const int which = key == hook::correlationId ? 0
                              : key == hook::toolUseId   ? 1
                              : key == hook::toolCallId  ? 2
                                                         : -1;
            std::string_view text;
            if (which >= 0 && !value.get_string().get(text))
                level->correlation[which] = QString::fromUtf8(text.data(), qsizetype(text.size()));
        }
    }
    return true;
}

std::string_view firstNonEmpty(std::initializer_list<std::string_view> candidates)
{
    for (const std::string_view c : candidates) {
        if (!c.empty() && !isEmptyObject(c))
            return c;
    }
    return {};
}

int correlationSlot(const char* key)
{
    const std::string_view k(key);
    return k == hook::correlationId ? 0 : k == hook::toolUseId ? 1 : 2;
}

} // namespace

struct HeldPayload::Parser
{
    simdjson::ondemand::parser parser;
};

HeldPayload::HeldPayload() : m_parser(new Parser) {}

HeldPayload::~HeldPayload()
{
    delete m_parser;
}

bool HeldPayload::read(QByteArrayView raw)
{
    m_data = m_input = m_output = {};
    m_correlationId.clear();
    const qsizetype padded = raw.size() + qsizetype(simdjson::SIMDJSON_PADDING);
    if (m_padded.size() < padded)
        m_padded.resize(padded);
    std::memcpy(m_padded.data(), raw.data(), size_t(raw.size()));
    std::memset(m_padded.data() + raw.size(), ' ', size_t(simdjson::SIMDJSON_PADDING));
    const char* base = m_padded.constData();
    const size_t capacity = size_t(m_padded.size());

    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    Level top;
    Level inner;
    if (m_parser->parser.iterate(base, size_t(raw.size()), capacity).get(doc) ||
        doc.get_object().get(object) || !readFields(doc, object, &top, &inner))
        return false;
    const Level* data = &top;
    if (!top.data.empty()) {
        data = &inner;
        m_data = top.data;
    } else {
        m_data = std::string_view(base, size_t(raw.size()));
    }
    for (const hook::CorrelationSource& source : hook::correlationSources) {
        const QString& id = (source.inData ? *data : top).correlation[correlationSlot(source.key)];
        if (!id.isEmpty()) {
            m_correlationId = id;
            break;
        }
    }
    m_input = firstNonEmpty({data->toolParameters, data->toolInput, top.toolInput});
    m_output = firstNonEmpty(
        {data->resultSummary, data->toolResponse, data->toolOutput, top.toolResponse});
    return true;
}

} // namespace ea
