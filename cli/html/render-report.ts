import type { Report } from '../../lambda/core/report/types';

// Under construction this session (see the issue notes): the charted page comes next.
export function renderHtmlReport(report: Report, options: { readonly title: string }): string {
  return `<!doctype html><meta charset="utf-8"><title>${options.title}</title><pre>${JSON.stringify(report.verdict)}</pre>`;
}
