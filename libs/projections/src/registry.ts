// Every projection, once: adding one is a line here (plus its file and its migration).
import { fundingProjection } from './funding.projection';
import { historyProjection } from './history.projection';
import { indicatorsProjection } from './indicators.projection';
import { mandatesProjection } from './mandates.projection';
import { missionsProjection } from './missions.projection';
import { personnelProjection } from './personnel.projection';
import { Projection } from './projection';
import { timelineProjection } from './timeline.projection';

const ALL = [personnelProjection, fundingProjection, timelineProjection, missionsProjection, mandatesProjection, indicatorsProjection, historyProjection] as const;

export type ProjectionName = (typeof ALL)[number]['name'];

export const PROJECTION_NAMES: readonly ProjectionName[] = ALL.map((projection) => projection.name);

export const PROJECTIONS = Object.fromEntries(ALL.map((projection) => [projection.name, projection])) as Record<ProjectionName, Projection<any>>;

export const isProjectionName = (name: string): name is ProjectionName => (PROJECTION_NAMES as readonly string[]).includes(name);
