import { GuardrailsError, guardrailProblems, parseGuardrails } from '../../lambda/core/guardrails';
import { stages } from '../../lib/config/stages';

const valid = stages.prod.guardrails;

describe('guardrails: one declaration of every type and range', () => {
  it('accepts every stage’s guardrails', () => {
    for (const stage of Object.values(stages)) expect(guardrailProblems(stage.guardrails)).toEqual([]);
  });

  it('names every problem at once, with the setting, the allowed range and the value', () => {
    const { minSampleSize: _omitted, ...withoutSampleSize } = valid;
    expect(
      guardrailProblems({
        ...withoutSampleSize,
        maxP99LatencyMs: -100,
        maxErrorRate: 0,
        minAgreement: '0.9',
        maxShadowBacklogAgeSeconds: Number.POSITIVE_INFINITY,
        agreement: 'sometimes',
      }),
    ).toEqual([
      'guardrails.maxP99LatencyMs must be > 0 (ms), got -100',
      'guardrails.maxErrorRate must be in (0, 1) (at 0 no candidate could ever be shown to meet it), got 0',
      'guardrails.minAgreement must be in (0, 1), got "0.9"',
      'guardrails.agreement must be "guardrail" or "evidence", got "sometimes"',
      'guardrails.minSampleSize must be a whole number, at least 1, got nothing',
      'guardrails.maxShadowBacklogAgeSeconds must be at least 60 (s), got Infinity',
    ]);
    expect(guardrailProblems([valid])).toEqual(['guardrails must be an object']);
  });

  it('takes a planned length in whole records, at least 100, or none', () => {
    expect(guardrailProblems({ ...valid, plannedRecords: 20_000 })).toEqual([]);
    expect(guardrailProblems({ ...valid, plannedRecords: 99 })).toEqual([
      'guardrails.plannedRecords must be a whole number, at least 100 (records), got 99',
    ]);
    expect(guardrailProblems({ ...valid, plannedRecords: 2500.5 })).toEqual([
      'guardrails.plannedRecords must be a whole number, at least 100 (records), got 2500.5',
    ]);
  });

  it('parses the GUARDRAILS variable, or throws one error listing the problems', () => {
    expect(parseGuardrails(JSON.stringify(valid))).toEqual(valid);
    expect(() => parseGuardrails('{')).toThrow('guardrails are not valid JSON');
    expect(() => parseGuardrails(JSON.stringify({ ...valid, minSampleSize: 0 }))).toThrow(
      new GuardrailsError(
        'invalid guardrails: guardrails.minSampleSize must be a whole number, at least 1, got 0',
      ),
    );
  });
});
