// Small factories for valid commands, so tests say what they mean.
import { AppendCommand, validateAppendRequest } from '@app/domain';

export function command(request: unknown): AppendCommand {
  const result = validateAppendRequest(request);
  if (!result.ok) throw new Error(`invalid test command: ${JSON.stringify(result.errors)}`);
  return result.value;
}

export const established = (name = 'Test mission') => ({
  type: 'MissionEstablished',
  occurredAt: '2024-01-01',
  data: { name, hostCountry: 'HTI' },
});

export const personnelEvent = (type: string, country: string, personnel: number, occurredAt = '2024-06-01') => ({
  type,
  occurredAt,
  data: { country, personnel },
});

export const supportDeclared = (supporter: string, occurredAt = '2024-02-01') => ({
  type: 'SupportDeclared',
  occurredAt,
  data: { supporter },
});

export const fundingEvent = (type: string, donor: string, amount: string, currency = 'USD', occurredAt = '2024-01-10') => ({
  type,
  occurredAt,
  data: { donor, amount, currency },
});

export const context = (actor = 'test') => ({ actor, principal: actor });
