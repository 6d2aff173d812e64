-- The email-activity report per snapshot as typed rows, matched to the roster the same way
SELECT * FROM {{ history('email_activity_user_detail') }}
