// The "I still need it" page: mount createUserResponseHandler for paths under USER_RESPONSE_PREFIX.
export { createUserResponseHandler, isUserResponsePath, USER_RESPONSE_PREFIX, type UserResponseDeps } from './handler';
export { fileResponseStore, type ResponseStore } from './store';
export { temporalDelivery, ReclamationClosedError, type DeliverAnswer } from './deliver';
export { readNoticeKeyFile, noticeKeyFile } from '../../identity/notice-token';
