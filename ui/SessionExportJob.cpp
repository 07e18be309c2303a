#include "ui/SessionExportJob.h"

#include "util/AtomicFile.h"
#include "util/SystemReason.h"

#include "presentation/TextFormat.h"

#include <QFileInfo>
#include <QLoggingCategory>
#include <QProgressDialog>
#include <QSaveFile>
#include <QTimer>

namespace ea {

Q_LOGGING_CATEGORY(lcExport, "ea.ui.export")

SessionExportJob::SessionExportJob(QList<Source> sources, SessionExporter::Format format,
                                   QString target, QObject* parent)
    : QObject(parent), m_sources(std::move(sources)), m_format(format), m_target(std::move(target))
{}

SessionExportJob::~SessionExportJob()
{
    if (m_file)
        m_file->cancelWriting();
    delete m_dialog;
}

void SessionExportJob::start(QWidget* dialogParent)
{
    m_file = std::make_unique<QSaveFile>(m_target);
    if (!m_file->open(QIODevice::WriteOnly)) {
        finish(false, tr("Cannot write %1: %2").arg(m_target, SystemReason::forFile(*m_file)));
        return;
    }
    m_exporter = std::make_unique<SessionExporter>(m_format, m_file.get(), m_redactor);
    if (!m_exporter->begin()) {
        finish(false, tr("Cannot write %1: %2").arg(m_target, m_exporter->errorString()));
        return;
    }
    m_running = true;
    if (dialogParent && m_sources.size() > DialogThreshold) {
        m_dialog = new QProgressDialog(tr("Exporting sessions…"), tr("Cancel"), 0,
                                       int(m_sources.size()), dialogParent);
        m_dialog->setWindowTitle(tr("Export"));
        m_dialog->setWindowModality(Qt::WindowModal);
        m_dialog->setMinimumDuration(300);
        connect(m_dialog, &QProgressDialog::canceled, this, &SessionExportJob::cancel);
    }
    QTimer::singleShot(0, this, &SessionExportJob::step);
}

void SessionExportJob::cancel()
{
    if (m_running)
        finish(false, tr("Export cancelled; %1 was not written").arg(m_target));
}

void SessionExportJob::step()
{
    if (!m_running)
        return;
    if (m_next >= m_sources.size()) {
        if (!m_exporter->finish() || !m_file->commit()) {
            finish(false, tr("Cannot write %1: %2").arg(m_target, SystemReason::forFile(*m_file)));
            return;
        }
        m_file.reset();
        QString text = tr("Exported %1 to %2")
                           .arg(TextFormat::count(m_exporter->sessionsWritten(), tr("session"),
                                                  tr("sessions")),
                                m_target);
        if (m_skipped > 0)
            text += tr(" (%1 unreadable skipped)").arg(m_skipped);
        const qint64 redacted = m_exporter->manifest().total();
        if (redacted > 0)
            text += tr("; %1 redacted")
                        .arg(TextFormat::count(int(redacted), tr("secret"), tr("secrets")));
        // Json documents carry their manifest; jsonl and csv rows have no place for it.
        if (m_format != SessionExporter::Format::Json) {
            const QString sidecar = SessionExporter::sidecarPath(m_target);
            QString why;
            if (!AtomicFile::write(sidecar, m_exporter->sidecarText(m_target), &why)) {
                finish(false, tr("Cannot write %1: %2").arg(sidecar, why));
                return;
            }
        }
        finish(true, text);
        return;
    }
    const Source& source = m_sources.at(m_next++);
    QJsonObject doc = source.liveDocument;
    if (doc.isEmpty()) {
        QString error;
        const auto loaded = SessionExporter::readSession(source.filePath, &error);
        if (!loaded) {
            qCWarning(lcExport).noquote() << "skipped:" << error;
            ++m_skipped;
        } else {
            doc = *loaded;
        }
    }
    if (!doc.isEmpty() && !m_exporter->add(doc)) {
        finish(false, tr("Cannot write %1: %2").arg(m_target, m_exporter->errorString()));
        return;
    }
    if (m_dialog)
        m_dialog->setValue(m_next);
    QTimer::singleShot(0, this, &SessionExportJob::step);
}

void SessionExportJob::finish(bool ok, const QString& message)
{
    m_running = false;
    if (m_file) {
        m_file->cancelWriting();
        m_file.reset();
    }
    if (m_dialog) {
        m_dialog->reset();
        m_dialog->deleteLater();
    }
    Q_EMIT finished(ok, message);
}

} // namespace ea

#include "moc_SessionExportJob.cpp"
