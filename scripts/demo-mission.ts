// The demo mission of CONTRACT section 9, from the founding article.
import { AppendCommand, validateAppendRequest } from '@app/domain';

export const DEMO_MISSION_ID = 'mss-haiti';

export const DEMO_MISSION_REQUEST = {
  expectedVersion: 0,
  events: [
    {
      type: 'MissionEstablished',
      occurredAt: '2023-10-02',
      data: {
        name: 'Multinational Security Support mission to Haiti',
        hostCountry: 'HTI',
        leadNation: 'KEN',
        mandate: 'UN Security Council resolution 2699 (2023): support the Haitian National Police in restoring security',
      },
    },
    { type: 'PersonnelRequirementSet', occurredAt: '2023-10-02', data: { required: 5000 } },
    { type: 'PersonnelPledged', occurredAt: '2023-07-29', data: { country: 'KEN', personnel: 1000, personnelType: 'police' } },
    { type: 'SupportDeclared', occurredAt: '2023-10-02', data: { supporter: 'USA', statement: 'The United States supports the Kenyan-led mission.' } },
    { type: 'SupportDeclared', occurredAt: '2023-10-02', data: { supporter: 'CAN', statement: 'Canada supports the Kenyan-led mission.' } },
    { type: 'FundingPledged', occurredAt: '2023-09-22', data: { donor: 'USA', amount: '300000000', currency: 'USD', channel: 'bilateral' } },
    {
      type: 'FarewellHeld',
      occurredAt: '2024-06-24',
      data: { country: 'KEN', personnel: 400, officiant: 'President William Ruto', location: 'Nairobi' },
    },
    { type: 'ContingentDeparted', occurredAt: '2024-06-24T18:00:00Z', data: { country: 'KEN', personnel: 400 } },
  ],
};

export function demoMissionCommand(): AppendCommand {
  const command = validateAppendRequest(DEMO_MISSION_REQUEST);
  if (!command.ok) throw new Error(`demo mission is invalid: ${JSON.stringify(command.errors)}`);
  return command.value;
}
