DROP TABLE sms_outbound;
DROP TABLE sms_inbound;
DROP TABLE sms_numbers;
