// The demo mission of CONTRACT section 9, from the founding article. Each event carries the
// public source its facts were checked against (docs/demo-sources.md has the quotes); where the
// sources gave another date than the article's retelling, the sources' date is used.
import { AppendCommand, validateAppendRequest } from '@app/domain';

export const DEMO_MISSION_ID = 'mss-haiti';

const UN_RESOLUTION_2699 = {
  url: 'https://press.un.org/2023/sc15432.doc.htm',
  publisher: 'United Nations, Meetings Coverage and Press Releases',
  title: 'Security Council Authorizes Multinational Security Support Mission for Haiti for Initial Period of One Year, by Vote of 13 in Favour with 2 Abstentions',
  publishedAt: '2023-10-02',
};

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
      metadata: { source: UN_RESOLUTION_2699 },
    },
    {
      // The UN's human-rights expert on Haiti, William O'Neill: "between 4,000 and 5,000 international police".
      type: 'PersonnelRequirementSet',
      occurredAt: '2024-03-28',
      data: { required: 5000 },
      metadata: {
        source: {
          url: 'https://localnews8.com/news/ap-national/2024/03/28/haiti-now-needs-up-to-5000-police-to-help-tackle-catastrophic-gang-violence-un-expert-says/',
          publisher: 'Associated Press (via LocalNews8)',
          title: 'Haiti now needs up to 5,000 police to help tackle catastrophic gang violence, UN expert says',
          publishedAt: '2024-03-28',
        },
      },
    },
    {
      type: 'PersonnelPledged',
      occurredAt: '2023-07-29',
      data: { country: 'KEN', personnel: 1000, personnelType: 'police' },
      metadata: {
        source: {
          url: 'https://kion546.com/ap-colorado/2023/07/31/un-chief-welcomes-kenyas-offer-to-positively-consider-leading-police-force-to-combat-haiti-gangs/',
          publisher: 'Associated Press (via KION546)',
          title: 'UN chief welcomes Kenya’s offer to ‘positively consider’ leading police force to combat Haiti gangs',
          publishedAt: '2023-07-31',
        },
      },
    },
    {
      type: 'SupportDeclared',
      occurredAt: '2023-09-22',
      data: { supporter: 'USA' },
      metadata: {
        source: {
          url: 'https://ktvz.com/news/ap-national-news/2023/09/22/us-pledges-100m-to-back-proposed-kenyan-led-multinational-force-to-haiti/',
          publisher: 'Associated Press (via KTVZ)',
          title: 'US pledges $100M to back proposed Kenyan-led multinational force to Haiti',
          publishedAt: '2023-09-22',
        },
      },
    },
    {
      type: 'SupportDeclared',
      occurredAt: '2024-02-22',
      data: { supporter: 'CAN' },
      metadata: {
        source: {
          url: 'https://www.straitstimes.com/world/canada-pledges-c805-million-to-back-kenya-led-security-mission-to-haiti',
          publisher: 'Reuters (via The Straits Times)',
          title: 'Canada pledges C$80.5m to back Kenya-led security mission to Haiti',
          publishedAt: '2024-02-23',
        },
      },
    },
    {
      // $100M pledged on 22 Sept 2023; doubled Defense support brought the total to $300M on 11 March 2024.
      type: 'FundingPledged',
      occurredAt: '2024-03-11',
      data: { donor: 'USA', amount: '300000000', currency: 'USD' },
      metadata: {
        source: {
          url: 'https://www.devdiscourse.com/article/law-order/2856116-us-pledges-further-100-mln-to-haiti-security-mission',
          publisher: 'Reuters (via Devdiscourse)',
          title: 'US pledges further $100 mln to Haiti security mission',
        },
      },
    },
    {
      type: 'FarewellHeld',
      occurredAt: '2024-06-24',
      data: { country: 'KEN', personnel: 400, officiant: 'President William Ruto', location: 'National Police College, Embakasi, Nairobi' },
      metadata: {
        source: {
          url: 'https://kenyanews.go.ke/pres-ruto-flags-off-first-400-police-officers-to-haiti',
          publisher: 'Kenya News Agency',
          title: 'Pres Ruto flags off first 400 police officers to Haiti',
        },
      },
    },
    {
      type: 'ContingentDeparted',
      occurredAt: '2024-06-24',
      data: { country: 'KEN', personnel: 400 },
      metadata: {
        source: {
          url: 'https://diasporamessenger.com/2024/06/400-kenyan-police-officers-departing-for-haiti-given-the-flag/',
          publisher: 'Diaspora Messenger (AFP)',
          publishedAt: '2024-06-24',
        },
      },
    },
  ],
};

export function demoMissionCommand(): AppendCommand {
  const command = validateAppendRequest(DEMO_MISSION_REQUEST);
  if (!command.ok) throw new Error(`demo mission is invalid: ${JSON.stringify(command.errors)}`);
  return command.value;
}
