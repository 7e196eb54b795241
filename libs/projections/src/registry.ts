import { fundingProjection } from './funding.projection';
import { missionsProjection } from './missions.projection';
import { personnelProjection } from './personnel.projection';
import { Projection, ProjectionName } from './projection';
import { timelineProjection } from './timeline.projection';

export const PROJECTIONS: Record<ProjectionName, Projection<any>> = {
  personnel: personnelProjection,
  funding: fundingProjection,
  timeline: timelineProjection,
  missions: missionsProjection,
};
