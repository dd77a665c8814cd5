export {
  createWebDelivery,
  startWebPlayground,
  type WebConfig,
  type WebModelInfo,
  type WebPlayground,
  type WebPlaygroundOptions,
} from './start-web-playground.ts';
export { WebDelivery } from './web-delivery.ts';
