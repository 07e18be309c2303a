#include "ui/StartupProblemDialog.h"

namespace ea {

StartupProblemDialog::StartupProblemDialog(const StartupProblem& problem, QWidget* parent)
    : QMessageBox(parent)
{
    setIcon(problem.exitCode == 2 ? QMessageBox::Critical : QMessageBox::Warning);
    setWindowTitle(tr("Event Aggregator"));
    setText(problem.title);
    setInformativeText(problem.detail + QStringLiteral("\n\n") + problem.fix);
    // The commands in the text are meant to be copied into a terminal.
    setTextInteractionFlags(Qt::TextSelectableByMouse);
    setStandardButtons(QMessageBox::Close);
    if (problem.canStopOther)
        m_stopOther = addButton(tr("Stop It and Start Here"), QMessageBox::AcceptRole);
}

} // namespace ea

#include "moc_StartupProblemDialog.cpp"
