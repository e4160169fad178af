"""Fixed word lists for synthetic people and places.

Kept in the code (not Faker) so the same seed gives the same names on every machine and
every library version.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Aisha", "Alice", "Amelia", "Amir", "Andrew", "Anna", "Arjun", "Ben", "Bethan", "Catherine",
    "Charlotte", "Chloe", "Chidi", "Claire", "Daniel", "David", "Deborah", "Eilidh", "Eleanor",
    "Emily", "Emma", "Farah", "Fiona", "Gareth", "Grace", "Hannah", "Harriet", "Harry", "Helen",
    "Imran", "Isla", "Jack", "James", "Jane", "Joanne", "John", "Joseph", "Karen", "Kate",
    "Kwame", "Laura", "Liam", "Lucy", "Mark", "Martin", "Mary", "Megan", "Michael", "Mohammed",
    "Naomi", "Neil", "Niamh", "Nicola", "Oliver", "Olivia", "Owen", "Paul", "Peter", "Priya",
    "Rachel", "Rebecca", "Rhys", "Richard", "Robert", "Rory", "Ruth", "Sarah", "Sean", "Sinead",
    "Sophie", "Stephen", "Susan", "Tariq", "Thomas", "Tom", "Victoria", "William", "Yusuf",
    "Zainab", "Zoe",
)

LAST_NAMES = (
    "Adams", "Ahmed", "Ali", "Allen", "Anderson", "Armstrong", "Bailey", "Baker", "Begum",
    "Bell", "Bennett", "Brown", "Campbell", "Carter", "Chapman", "Chen", "Clarke", "Collins",
    "Cooper", "Davies", "Dixon", "Edwards", "Evans", "Fletcher", "Foster", "Fraser", "Graham",
    "Green", "Griffiths", "Hall", "Harris", "Hughes", "Hussain", "Jackson", "James", "Jenkins",
    "Johnson", "Jones", "Kaur", "Kelly", "Khan", "King", "Lewis", "Lloyd", "MacDonald",
    "Marshall", "Martin", "Mason", "McLean", "Mitchell", "Moore", "Morgan", "Morris", "Murphy",
    "Murray", "Nwosu", "O'Brien", "Okafor", "Owen", "Parker", "Patel", "Phillips", "Price",
    "Quinn", "Rahman", "Reid", "Roberts", "Robertson", "Robinson", "Robson", "Rogers", "Scott",
    "Shah", "Singh", "Smith", "Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker",
    "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
)

# Towns for synthetic sites, by region code, so a synthetic trust sits somewhere plausible.
TOWNS_BY_REGION = {
    "NENC": ("Durham", "Sunderland", "Middlesbrough", "Carlisle", "Gateshead"),
    "YH": ("Bradford", "Hull", "York", "Doncaster", "Huddersfield"),
    "NW": ("Preston", "Bolton", "Blackpool", "Lancaster", "Wigan"),
    "EM": ("Derby", "Lincoln", "Northampton", "Chesterfield", "Kettering"),
    "WM": ("Coventry", "Stoke-on-Trent", "Worcester", "Shrewsbury", "Walsall"),
    "EOE": ("Ipswich", "Peterborough", "Colchester", "Luton", "Chelmsford"),
    "NL": ("Harrow", "Enfield", "Barnet", "Hillingdon", "Romford"),
    "SL": ("Croydon", "Lewisham", "Kingston upon Thames", "Sutton", "Woolwich"),
    "SCEN": ("Reading", "Portsmouth", "Milton Keynes", "Basingstoke", "Winchester"),
    "SE": ("Brighton", "Maidstone", "Canterbury", "Crawley", "Tunbridge Wells"),
    "SWP": ("Truro", "Torquay", "Barnstaple", "Taunton", "Yeovil"),
    "SWC": ("Bath", "Gloucester", "Swindon", "Cheltenham", "Salisbury"),
    "WALES": ("Newport", "Wrexham", "Bangor", "Merthyr Tydfil", "Carmarthen"),
}
