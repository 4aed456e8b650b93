/** The environment variables config.example.yaml refers to, with harmless values. */
export const EXAMPLE_ENV = {
  HUAWEI_RTC_PROJECT_ID: '0605767a3300d5762fb7c0186d9e1779',
  HUAWEI_RTC_ACCESS_KEY: 'EXAMPLEACCESSKEY',
  HUAWEI_RTC_SECRET_KEY: 'example-secret-key',
  HUAWEI_RTC_APP_ID: '5fa682b34a974f7ad24d223b',
  WANGSU_USERNAME: 'example-user',
  WANGSU_API_KEY: 'example-api-key',
  WANGSU_ACCESS_KEY: 'example-access-key',
  WANGSU_SECRET_KEY: 'example-secret-key-2',
};
