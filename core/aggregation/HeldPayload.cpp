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

bool readLevel(simdjson::ondemand::parser& parser, const char* at, size_t length, size_t capacity,
               Level* level)
{
    simdjson::ondemand::document doc;
    if (parser.iterate(at, length, capacity).get(doc))
        return false;
    simdjson::ondemand::object object;
    if (doc.get_object().get(object))
        return false;
    for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key))
            return false;
        simdjson::ondemand::value value = field.value();
        simdjson::ondemand::json_type type;
        if (value.type().get(type))
            return false;
        if (type == simdjson::ondemand::json_type::object) {
            std::string_view* slot = key == hook::data             ? &level->data
                                     : key == hook::toolInput      ? &level->toolInput
                                     : key == hook::toolParameters ? &level->toolParameters
                                     : key == hook::toolResponse   ? &level->toolResponse
                                     : key == hook::toolOutput     ? &level->toolOutput
                                     : key == hook::resultSummary  ? &level->resultSummary
                                                                   : nullptr;
            if (slot) {
                simdjson::ondemand::object inner;
                if (value.get_object().get(inner) || inner.raw_json().get(*slot))
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

    Level top;
    if (!readLevel(m_parser->parser, base, size_t(raw.size()), capacity, &top))
        return false;
    Level inner;
    const Level* data = &top;
    if (!top.data.empty()) {
        // The data object is a slice of the padded copy: what follows it is padding enough.
        const size_t offset = size_t(top.data.data() - base);
        if (!readLevel(m_parser->parser, top.data.data(), top.data.size(), capacity - offset,
                       &inner))
            return false;
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
