import { storedRecord } from '../../lambda/core/comparison-record';
import { InvalidShadowMessageError, parseShadowMessage } from '../../lambda/core/shadow-message';
import { comparisonRecord } from '../support/comparison-records';
import { shadowMessage } from '../support/shadow-messages';

describe('shadow message', () => {
  it('reads a version 2 message as sent', () => {
    const message = shadowMessage();

    expect(parseShadowMessage(JSON.stringify(message))).toEqual(message);
  });

  it('reads a version 1 message (the served answer called production) as version 2', () => {
    // Arrange: what a router deployed before version 2 left in the queue.
    const { served, ...rest } = shadowMessage({ servedVariant: 'canary' });
    const v1 = { ...rest, v: 1, production: served };

    // Act
    const parsed = parseShadowMessage(JSON.stringify(v1));

    // Assert
    expect(parsed).toEqual({ ...rest, v: 2, served });
    expect(parsed).not.toHaveProperty('production');
  });

  it('refuses an unknown version and lists every problem of a broken message', () => {
    expect(() => parseShadowMessage(JSON.stringify({ ...shadowMessage(), v: 3 }))).toThrow(
      'unsupported version 3',
    );
    const broken = { ...shadowMessage(), requestId: '', candidates: 'churn-v2', served: { status: 'ok' } };
    expect(() => parseShadowMessage(JSON.stringify(broken))).toThrow(InvalidShadowMessageError);
    expect(() => parseShadowMessage(JSON.stringify(broken))).toThrow(
      'invalid shadow message: requestId missing; candidates invalid; served.endpoint must be a string',
    );
  });
});

describe('stored comparison record', () => {
  it('reads an item stored before the rename (production) with the served answer as served', () => {
    const { served, ...rest } = comparisonRecord('r-legacy');

    expect(storedRecord({ ...rest, production: served })).toEqual({ ...rest, served });
    expect(storedRecord({ ...rest, served })).toEqual({ ...rest, served });
  });
});
