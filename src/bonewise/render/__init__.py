"""Render: a plain-language patient report and a dense clinician summary, as PDF or HTML.

Public API (keyword-only; the web app's download buttons and `bonewise report` call it):

    from bonewise.render.render import render_report

    pdf = render_report(
        record=record,            # bonewise.clinical.models.PatientRecord
        audience="patient",       # or "clinician"
        as_of=date.today(),
        fmt="pdf",                # or "html" (UTF-8 bytes of one self-contained page)
        page_size="a4",           # or "letter"
        intake=None,              # bonewise.render.model.IntakeSummary, or None: "no intake logged"
        adherence=None,           # bonewise.render.model.AdherenceSummary, or None: "no exercise logged"
        patient_name=None,        # her name for the patient banner, or None: "Name not on file"
    )

For a stored patient (her food diary and exercise log included; authorised and audited):

    from bonewise.services.reports import report

    pdf = report(uow=UnitOfWork(session_factory), actor=user, patient_id="p1",
                 audience="clinician", fmt="pdf", page_size="letter", today=date.today())
    # raises bonewise.store.patients.PatientNotFound for an unknown id

Serve PDFs as application/pdf and HTML as text/html; charset=utf-8.

Layout:
- banner.py: the patient banner (name, date of birth, age, record number) that heads both
  reports and every clinician page about one patient (pure).
- model.py: the optional inputs (IntakeSummary, AdherenceSummary) (pure). The BMD series with
  its least-significant-change band is the assessment's (clinical/bmd_series.py): drawn, never
  decided again here.
- patient.py / clinician.py: the two report models (pure). The clinician summary is two pages
  (decisions, safety checks, monitoring, data gaps) with the detail in an appendix. The patient report never gives drug
  or dose advice: it repeats only recommendations addressed to the patient and turns the rest
  into questions for her team.
- charts.py: report charts drawn directly (fixed layout): SVG in HTML, JPEG in the PDF.
- render.py: Jinja2 templates (templates/*.html, report.css) and WeasyPrint.
- web_charts.py: the web app's SVG charts.
- `bonewise.services.reports`: intake and adherence summaries for a stored patient.

Missing data never fails a report: it is listed as missing, with what it blocks.
"""
